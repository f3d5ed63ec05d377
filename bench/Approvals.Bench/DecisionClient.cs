using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Approvals.Domain;

namespace Approvals.Bench;

/// <summary>What one decision request came to: the final HTTP status (0: never answered), its latency and attempts.</summary>
internal readonly record struct DecisionSent(Guid ApprovalId, string Decision, int HttpStatus, TimeSpan Latency, int Attempts)
{
    public bool Accepted => HttpStatus == (int)HttpStatusCode.Accepted;
}

/// <summary>A run of decisions: what each request came to, how long the run took and what it cost this process.</summary>
internal sealed record DecisionBatch(IReadOnlyList<DecisionSent> Sent, TimeSpan Elapsed, TimeSpan GeneratorCpu, IReadOnlyDictionary<int, int> AnswersByStatus)
{
    public int Accepted => Sent.Count(s => s.Accepted);

    public int Errors => Sent.Count - Accepted;

    public TimeSpan Percentile(double fraction) => Percentiles.Of([.. Sent.Where(s => s.Accepted).Select(s => s.Latency)], fraction);
}

/// <summary>
/// The in-process load generator of the decision scenarios: <c>POST /api/v1/approvals/{id}/decision</c> on pending
/// approvals from an <see cref="ApprovalPool"/>, each approval decided once. wrk cannot do this: it has no open loop
/// (a fixed arrival rate, whatever the answers do, which the latency target needs) and cannot hand each request a
/// fresh pending approval. The client behaves as a careful one should: every decision carries an
/// <c>Idempotency-Key</c>, and with <c>retry</c> a request that got no answer, a 503 or "in progress" is sent again
/// with the same key, so a decision is neither lost nor made twice when the service dies under it.
/// </summary>
internal sealed class DecisionClient : IDisposable
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<int, int> _answers = new();

    public DecisionClient(Uri baseUrl, string apiKey, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        _http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
    }

    /// <summary>How long a retrying client keeps trying one decision before it gives up.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>6 in 10 approvals are approved, 3 rejected, 1 cancelled, by the approval's id, so runs repeat.</summary>
    public static string DecisionFor(Guid approvalId) => ((approvalId.GetHashCode() & int.MaxValue) % 10) switch
    {
        < 6 => "approve",
        < 9 => "reject",
        _ => "cancel",
    };

    /// <summary>The status a decision ends in once delivered, as stored.</summary>
    public static short FinalStatusOf(string decision) =>
        DecisionExtensions.TryParse(decision, out var parsed)
            ? (short)parsed.FinalStatus()
            : throw new ArgumentException($"No decision {decision}.", nameof(decision));

    /// <summary>Closed loop: <paramref name="workers"/> clients, each sending its next decision when the last is answered.</summary>
    public async Task<DecisionBatch> RunClosedLoopAsync(ApprovalPool pool, int workers, TimeSpan duration, bool retry, CancellationToken cancellationToken)
    {
        var sent = new ConcurrentBag<DecisionSent>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var ranOut = false;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                if (!pool.TryTake(out var id))
                {
                    ranOut = true;
                    break;
                }

                sent.Add(await DecideAsync(id, Stopwatch.GetTimestamp(), retry, cancellationToken));
            }
        }));
        if (ranOut)
        {
            throw new InvalidOperationException($"The pool of pending approvals ran out {clock.Elapsed.TotalSeconds:0.0} s into a {duration.TotalSeconds:0} s load.");
        }

        return Finish(sent, clock.Elapsed, cpuBefore);
    }

    /// <summary>
    /// Open loop: decision n is due at start + n / rate and is sent then, however slowly the earlier ones are answered.
    /// Latency counts from when it was due, so a stalled service cannot hide its queue (no coordinated omission).
    /// </summary>
    /// <param name="onSent">Called with the number of decisions sent so far (the chaos scenarios act on it).</param>
    public async Task<DecisionBatch> RunOpenLoopAsync(
        ApprovalPool pool, double perSecond, int count, bool retry, Func<int, Task>? onSent, CancellationToken cancellationToken)
    {
        var sent = new ConcurrentBag<DecisionSent>();
        var running = new List<Task>(count);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var start = Stopwatch.GetTimestamp();
        for (var n = 0; n < count && pool.TryTake(out var id); n++)
        {
            var due = TimeSpan.FromSeconds(n / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }

            var dueTimestamp = start + (long)(due.TotalSeconds * Stopwatch.Frequency);
            running.Add(Task.Run(async () => sent.Add(await DecideAsync(id, dueTimestamp, retry, cancellationToken)), cancellationToken));
            if (onSent is not null)
            {
                await onSent(n + 1);
            }
        }

        await Task.WhenAll(running);
        if (sent.Count < count)
        {
            // A phase cut short measures something else: fail rather than report it.
            throw new InvalidOperationException($"The pool of pending approvals ran out after {sent.Count:N0} of {count:N0} decisions.");
        }

        return Finish(sent, clock.Elapsed, cpuBefore);
    }

    public void Dispose() => _http.Dispose();

    private async Task<DecisionSent> DecideAsync(Guid id, long dueTimestamp, bool retry, CancellationToken cancellationToken)
    {
        var decision = DecisionFor(id);
        var body = $$"""{"decision":"{{decision}}"}""";
        var key = $"bench-{id:N}";
        var attempts = 0;
        while (true)
        {
            attempts++;
            var (status, code) = await SendAsync(id, body, key, cancellationToken);
            _answers.AddOrUpdate(status, 1, (_, n) => n + 1);
            var answered = Stopwatch.GetElapsedTime(dueTimestamp);

            // Not worth it: any other answer is final (a 409 of the transition table means it was decided already).
            var worthRetrying = status is 0 or (int)HttpStatusCode.ServiceUnavailable || code == "idempotency.in_progress";
            if (!retry || !worthRetrying || answered > RetryBudget)
            {
                return new DecisionSent(id, decision, status, answered, attempts);
            }

            // Backing off, as a client should, so a restarting service is not flooded by every waiting decision.
            await Task.Delay(RetryPause * Math.Min(8, 1 << Math.Min(attempts - 1, 3)), cancellationToken);
        }
    }

    /// <summary>One attempt: the status (0 when no answer came: refused, reset, timed out) and a 409's error code.</summary>
    private async Task<(int Status, string? Code)> SendAsync(Guid id, string body, string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/approvals/{id}/decision")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            string? code = null;
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                code = problem.RootElement.TryGetProperty("code", out var value) ? value.GetString() : null;
            }

            return ((int)response.StatusCode, code);
        }
        catch (HttpRequestException)
        {
            return (0, null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, null); // HttpClient.Timeout
        }
    }

    private DecisionBatch Finish(ConcurrentBag<DecisionSent> sent, TimeSpan elapsed, TimeSpan cpuBefore)
    {
        var answers = new Dictionary<int, int>(_answers);
        _answers.Clear();
        return new DecisionBatch([.. sent], elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore, answers);
    }
}

/// <summary>Pending approvals to decide, each handed out once.</summary>
internal sealed class ApprovalPool(IEnumerable<Guid> ids)
{
    private readonly ConcurrentQueue<Guid> _ids = new(ids);

    public int Remaining => _ids.Count;

    public bool TryTake(out Guid id) => _ids.TryDequeue(out id);

    public void Add(Guid id) => _ids.Enqueue(id);
}

internal static class Percentiles
{
    /// <summary>The nearest-rank percentile; zero for no values.</summary>
    public static TimeSpan Of(IReadOnlyList<TimeSpan> values, double fraction)
    {
        if (values.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(fraction * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
