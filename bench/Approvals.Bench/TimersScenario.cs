using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Domain;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// Deadlines that act, all at once: <c>--timers</c> approvals (10,000 by default; half <c>onDeadline: reject</c>, half
/// <c>cancel</c>, naming service rule 1, so UserService) created through API v1 with one deadline a few seconds
/// ahead (the service refuses past deadlines and the tool cannot move its clock), so that all of them fall due
/// together. Targets: every deadline acted on (decided by <c>system:deadline</c>) within 30 s of falling due, each
/// exactly once (one decided event per approval in the history, one delivery per job in UserService, every one at its
/// final status). Meanwhile a reader asks for <c>GET /api/v1/approvals/{id}</c> of random data set approvals at a
/// steady <see cref="ProbeRate"/> (open loop: latency counts from when a request was due); its p50/p99 over the burst
/// (from the deadline to the last action) are the scenario's row, the same before the deadline are in its note.
/// </summary>
internal sealed class TimersScenario : IScenario
{
    /// <summary>Issue 18: every deadline acted on within this of falling due.</summary>
    public static readonly TimeSpan ActedTarget = TimeSpan.FromSeconds(30);

    /// <summary>GET requests per second of the reader: a steady read load, not a saturating one.</summary>
    private const int ProbeRate = 500;

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(3);
    private static readonly string SystemDeadline = "system:deadline";

    public string Name => "timers";

    public string Description => $"deadlines (onDeadline reject or cancel) falling due at once, with GET /api/v1/approvals/{{id}} at {ProbeRate}/s meanwhile";

    public bool NeedsDelivery => true;

    public IReadOnlyList<BenchTransport>? RunsOn(IReadOnlyList<BenchTransport> chosen) => chosen;

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var count = context.Options.TimerApprovals;
        var transport = context.Transport.Name();

        // Long enough to create them all before it passes: about a thousand creates a second at worst, and a margin.
        var lead = TimeSpan.FromSeconds(5 + (count / 1000.0));
        var deadline = DateTimeOffset.UtcNow + lead;
        Console.WriteLine($"[timers] {count:N0} approvals due together at {deadline:HH:mm:ss.fff} ({lead.TotalSeconds:0} s from now) on the {transport} transport");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = context.Options.Connections })
        {
            BaseAddress = context.ApprovalsUrl,
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Add("X-Api-Key", context.ApiKey);

        var created = await CreateAsync(http, count, deadline, context.Options.Connections, cancellationToken);
        var createdBy = DateTimeOffset.UtcNow;
        if (createdBy >= deadline - TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"Creating {count:N0} approvals took until {(createdBy - deadline).TotalSeconds:0.0} s of the deadline; they must all exist before it.");
        }

        Console.WriteLine($"[timers] created them in {(createdBy - (deadline - lead)).TotalSeconds:0.0} s; reading at {ProbeRate}/s until every deadline is acted on");
        var ids = created.Keys.ToArray();
        var cpuBefore = context.ServiceCpuTime();
        using var probeStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var probe = ProbeAsync(http, context.Options.Approvals, probeStop.Token);
        var stillPending = await WaitUntilActedAsync(context.ConnectionString, ids, deadline, cancellationToken);
        await probeStop.CancelAsync();
        var samples = await probe;
        var cpu = context.ServiceCpuTime() - cpuBefore;

        var ledger = new DecisionLedger(context.ConnectionString);
        var outcomes = await ledger.WaitUntilSettledAsync(ids, SettleTimeout, cancellationToken);
        var byDeadline = await CountDecidedByDeadlineAsync(context.ConnectionString, ids, cancellationToken);
        var acted = outcomes.Where(o => o.DecidedAt is not null).ToList();
        var lastActed = acted.Count > 0 ? acted.Max(o => o.DecidedAt!.Value) - deadline : TimeSpan.MaxValue;
        var firstActed = acted.Count > 0 ? acted.Min(o => o.DecidedAt!.Value) - deadline : TimeSpan.Zero;
        var lastFinal = outcomes.Where(o => o.FinalAt is not null).Select(o => o.FinalAt!.Value - deadline).DefaultIfEmpty(TimeSpan.Zero).Max();

        // The burst: from the deadline to the last action (at least a second); before it: the reads until the deadline.
        var burstEnd = deadline + (lastActed == TimeSpan.MaxValue ? TimeSpan.Zero : lastActed);
        if (burstEnd < deadline + TimeSpan.FromSeconds(1))
        {
            burstEnd = deadline + TimeSpan.FromSeconds(1);
        }

        var burst = samples.Where(s => s.DueAt >= deadline && s.DueAt < burstEnd).ToList();
        var before = samples.Where(s => s.DueAt < deadline).ToList();
        var load = new LoadResult(
            burst.Count, burstEnd - deadline, Percentile(burst, 0.5), Percentile(burst, 0.99),
            burst.Count(s => s.Status is not (0 or 200)), burst.Count(s => s.Status == 0));
        var sent = created.Select(c => new DecisionSent(c.Key, c.Value, 202, TimeSpan.Zero, 1)).ToList();
        List<TargetCheck> checks =
        [
            new(string.Create(CultureInfo.InvariantCulture,
                $"timers ({transport}): all {count:N0} deadlines acted on within {ActedTarget.TotalSeconds:0} s of falling due ({byDeadline:N0} decided by {SystemDeadline}, {stillPending:N0} still pending; the first {firstActed.TotalSeconds:0.0} s after, the last {(acted.Count > 0 ? lastActed.TotalSeconds : double.NaN):0.0} s)"),
                byDeadline == count && stillPending == 0 && lastActed <= ActedTarget),
            .. EffectChecks.Of(sent, outcomes).Select(c => c with { Text = $"timers ({transport}): {c.Text}" }),
        ];
        var note = string.Create(CultureInfo.InvariantCulture,
            $"timers ({transport}): {count:N0} deadlines due at once; acted on from {firstActed.TotalSeconds:0.0} s to {lastActed.TotalSeconds:0.0} s after the deadline " +
            $"({count / Math.Max(0.001, (lastActed - firstActed).TotalSeconds):0}/s), final (delivered to UserService) by {lastFinal.TotalSeconds:0.0} s; " +
            $"requests/s, p50 and p99 are those of GET /api/v1/approvals/{{id}} at {ProbeRate}/s (open loop) during the burst " +
            $"(before it: p50 {Report.Milliseconds(Percentile(before, 0.5))}, p99 {Report.Milliseconds(Percentile(before, 0.99))} over {before.Count:N0} requests); " +
            $"ApprovalService CPU {(cpu is { } used ? Report.Microseconds(used / count) : "–")} per timer, reads and delivery included");
        Console.WriteLine($"[timers] {note}");
        foreach (var check in checks)
        {
            Console.WriteLine($"  {(check.Met ? "ok  " : "FAIL")} {check.Text}");
        }

        return new ScenarioResult(Name, load, context.Approvals?.PeakMemoryBytes(), null, []) { Checks = checks, Notes = [note] };
    }

    /// <summary>Creates the approvals with <paramref name="connections"/> clients; each one's decision by its deadline, by id.</summary>
    private static async Task<ConcurrentDictionary<Guid, string>> CreateAsync(
        HttpClient http, int count, DateTimeOffset deadline, int connections, CancellationToken cancellationToken)
    {
        var created = new ConcurrentDictionary<Guid, string>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            for (var n = Interlocked.Increment(ref next); n < count; n = Interlocked.Increment(ref next))
            {
                var onDeadline = n % 2 == 0 ? "reject" : "cancel";
                using var response = await http.PostAsJsonAsync("/api/v1/approvals", new
                {
                    title = $"Deadline {n}",
                    description = "Created by the benchmark's timers scenario.",
                    deadline,
                    serviceRules = new[] { 1 },
                    onDeadline,
                }, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"Creating approval {n} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }

                var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
                created[Guid.Parse((string)body!["id"]!)] = onDeadline;
            }
        }));
        return created;
    }

    /// <summary>Reads random data set approvals at <see cref="ProbeRate"/> until stopped; each request's due time, latency and status.</summary>
    private static async Task<List<ProbeSample>> ProbeAsync(HttpClient http, int approvals, CancellationToken stop)
    {
        var samples = new ConcurrentBag<ProbeSample>();
        var running = new List<Task>();
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var due = TimeSpan.FromSeconds((double)n / ProbeRate);
            if (due > clock.Elapsed)
            {
                try
                {
                    await Task.Delay(due - clock.Elapsed, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var id = DataSet.IdPrefix + Random.Shared.NextInt64(1, approvals + 1).ToString("x12", CultureInfo.InvariantCulture);
            var dueTimestamp = Stopwatch.GetTimestamp() - (long)((clock.Elapsed - due).TotalSeconds * Stopwatch.Frequency);
            running.Add(Task.Run(async () =>
            {
                var status = 0;
                try
                {
                    using var response = await http.GetAsync($"/api/v1/approvals/{id}", HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
                    await response.Content.LoadIntoBufferAsync(CancellationToken.None);
                    status = (int)response.StatusCode;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // No answer: counted as a socket error.
                }

                samples.Add(new ProbeSample(start + due, Stopwatch.GetElapsedTime(dueTimestamp), status));
            }, CancellationToken.None));
        }

        await Task.WhenAll(running);
        return [.. samples];
    }

    /// <summary>Waits until none of the approvals is PENDING any longer (or a minute past the deadline); returns how many still are.</summary>
    private static async Task<int> WaitUntilActedAsync(string connectionString, Guid[] ids, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var giveUp = deadline + ActedTarget + TimeSpan.FromSeconds(30);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        while (true)
        {
            await using var command = new NpgsqlCommand("/* bench */ SELECT count(*)::int FROM approvals WHERE id = ANY (@ids) AND status = @pending", connection);
            command.Parameters.AddWithValue("ids", ids);
            command.Parameters.AddWithValue("pending", DecisionOutcome.Pending);
            var pending = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            if (pending == 0 || DateTimeOffset.UtcNow > giveUp)
            {
                return pending;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    private static async Task<int> CountDecidedByDeadlineAsync(string connectionString, Guid[] ids, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "/* bench */ SELECT count(*)::int FROM approval_events WHERE approval_id = ANY (@ids) AND type = @decided AND actor = @actor", connection);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("decided", ApprovalEventType.Decided.ToWireName());
        command.Parameters.AddWithValue("actor", SystemDeadline);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static TimeSpan Percentile(IReadOnlyList<ProbeSample> samples, double fraction) =>
        Percentiles.Of([.. samples.Where(s => s.Status == 200).Select(s => s.Latency)], fraction);

    private sealed record ProbeSample(DateTimeOffset DueAt, TimeSpan Latency, int Status);
}
