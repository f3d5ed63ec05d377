using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// Decisions through delivery to UserService and the final status. Each round first sends decisions on pending
/// approvals as fast as the service takes them (closed loop, one client per connection) and waits until every
/// accepted one has settled; the completed decisions per second run from the first decision's commit to the last
/// final status, from the history's timestamps. Then, after vacuuming the tables those rounds (and the ceiling's)
/// churned and a lead-in of <see cref="LeadInSeconds"/> that is not measured, at half of that maximum rate and as an
/// open loop, it measures commit-to-final latency (p50/p99) the same way. The ceiling is pgbench running the
/// statements of one whole decision on the postgres transport (the decision transaction, the claim, the preparation
/// and the recording with its resolution); it runs with that transport only. On each transport it also measures, over
/// the maximum-rate rounds (load and drain, not the ceiling), the CPU time of the PostgreSQL cluster, of the service's
/// processes and of the RabbitMQ node, the statements of the first round (pg_stat_statements), and every second the
/// backlog (decided, not yet final) and the broker's memory; and it checks every decision's effects as the chaos
/// scenarios do.
/// </summary>
internal sealed class DecideScenario : IScenario
{
    /// <summary>Issue 4: commit-to-final p99 at half of the maximum rate.</summary>
    public static readonly TimeSpan LatencyTarget = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(3);

    private const int WarmupSliceSeconds = 15;

    private const int LeadInSeconds = 5;

    /// <summary>
    /// More decisions per second than the service accepts at the maximum rate (about 750 on the machine of the first
    /// runs; about 1,800 during the warm-up on a faster one, where 1,000 ran out); if one ever runs faster, the pool
    /// runs out and the loop says so.
    /// </summary>
    private const int PoolRatePerSecond = 2_500;

    public string Name => "decide";

    public string Description => "POST /api/v1/approvals/{id}/decision through delivery to UserService and the final status";

    public bool NeedsDelivery => true;

    public IReadOnlyList<BenchTransport>? RunsOn(IReadOnlyList<BenchTransport> chosen) => chosen;

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var transport = context.Transport.Name();
        var roundSeconds = Math.Max(1, options.DurationSeconds / options.Rounds);
        var pgbench = context.Pgbench;
        Console.WriteLine($"[decide] {Description} on the {transport} transport: warm-up, then {options.Rounds} × {roundSeconds} s at the maximum rate" +
            $"{(pgbench is null ? "" : " alternating with the pgbench ceiling")}, then {options.DurationSeconds} s at half of it, {options.Connections} connections");

        var ledger = new DecisionLedger(context.ConnectionString);
        var pool = await ledger.PendingAsync(onlyFirstRule: true, cancellationToken);

        // Enough pending approvals for the longest warm-up (at least one slice), the rounds and the half-rate phase at
        // up to PoolRatePerSecond, added now so the rows' autoanalyze falls into the warm-up, not a measured phase.
        var longestRun = Math.Max(WarmupSliceSeconds, Math.Max(options.WarmupSeconds, options.MaxWarmupSeconds)) + roundSeconds * options.Rounds
            + LeadInSeconds + options.DurationSeconds;
        await ledger.TopUpAsync(pool, longestRun * PoolRatePerSecond, cancellationToken);
        using var client = new DecisionClient(context.ApprovalsUrl, context.ApiKey, options.Connections);
        var ceiling = pgbench is null ? null : new DecideCeiling(context, pgbench);

        context.Approvals?.ResetPeakMemory();
        foreach (var worker in context.Workers)
        {
            worker.ResetPeakMemory();
        }

        var warmup = await WarmUpAsync(context, client, ledger, pool, cancellationToken);
        if (ceiling is not null)
        {
            await ceiling.RunAsync(Math.Clamp(options.WarmupSeconds, 1, 10), cancellationToken);
        }

        var rounds = new List<DecideRound>();
        var ceilings = new List<CeilingResult>();
        IReadOnlyList<StatementStats> serviceStatements = [];
        IReadOnlyList<StatementStats>? ceilingStatements = null;
        long statementRequests = 0;
        long ceilingStatementTransactions = 0;
        for (var round = 1; round <= options.Rounds; round++)
        {
            await context.Statements.ResetAsync(cancellationToken);
            var measured = await MeasureAsync(context, ledger, () => client.RunClosedLoopAsync(pool, options.Connections, TimeSpan.FromSeconds(roundSeconds), retry: false, cancellationToken), cancellationToken);
            rounds.Add(measured);
            if (round == 1)
            {
                // UserService shares the database; its statements are not the ApprovalService's.
                serviceStatements = [.. (await context.Statements.ReadAsync(cancellationToken)).Where(s => !s.Query.Contains("user_service.", StringComparison.Ordinal))];
                statementRequests = measured.Completed;
                await StatementLog.SaveAsync(Path.Combine(context.Paths.Results, $"statements-decide-{transport}-service.sql"), serviceStatements, measured.Completed, cancellationToken);
            }

            var line = $"[decide] round {round}: {measured.Batch.Sent.Count:N0} decisions sent ({measured.AcceptedPerSecond:0}/s accepted), {measured.Completed:N0} completed at " +
                $"{measured.CompletedPerSecond:0} decisions/s, HTTP p50 {Report.Milliseconds(measured.Batch.Percentile(0.5))}, " +
                $"commit-to-final p50 {Report.Milliseconds(measured.CommitToFinal(0.5))} p99 {Report.Milliseconds(measured.CommitToFinal(0.99))}, " +
                $"{measured.NotCompleted} not completed, service CPU {Report.Microseconds(measured.CpuPerDecision)}/decision, " +
                $"PostgreSQL CPU {Report.Microseconds(measured.Resources.Postgres / Math.Max(1, measured.Completed))}/decision; {measured.Backlog.Describe()}";
            if (ceiling is not null)
            {
                await context.Statements.ResetAsync(cancellationToken);
                var result = await ceiling.RunAsync(roundSeconds, cancellationToken);
                ceilings.Add(result);
                if (round == 1)
                {
                    ceilingStatements = await context.Statements.ReadAsync(cancellationToken);
                    ceilingStatementTransactions = result.Transactions;
                    await StatementLog.SaveAsync(Path.Combine(context.Paths.Results, "statements-decide-ceiling.sql"), ceilingStatements, result.Transactions, cancellationToken);
                }

                line += $"; ceiling {result.TransactionsPerSecond:0} tps ({measured.CompletedPerSecond / result.TransactionsPerSecond:P0})";
            }

            Console.WriteLine(line);
        }

        var maximum = rounds.Sum(r => r.Completed) / rounds.Sum(r => r.Window.TotalSeconds);
        var halfRate = maximum / 2;
        var count = (int)Math.Ceiling(halfRate * options.DurationSeconds);
        var vacuum = await ledger.VacuumAsync(cancellationToken);

        // Not measured: after VACUUM (ANALYZE) every connection plans its statements again, and the first half second
        // at the new rate held all of the slowest 1 % of a run.
        var leadIn = await client.RunOpenLoopAsync(
            pool, halfRate, (int)Math.Ceiling(halfRate * LeadInSeconds), retry: false, onSent: null, cancellationToken);
        await ledger.WaitUntilSettledAsync(AcceptedIds(leadIn), SettleTimeout, cancellationToken);
        Console.WriteLine($"[decide] vacuumed the decision tables in {vacuum.TotalSeconds:0.0} s, then {LeadInSeconds} s at half rate not measured; " +
            $"{count:N0} decisions at half the maximum rate, {halfRate:0} decisions/s (open loop)");
        await using var host = CpuStealMonitor.Start();
        var latency = await MeasureAsync(context, ledger, () => client.RunOpenLoopAsync(pool, halfRate, count, retry: false, onSent: null, cancellationToken), cancellationToken);
        var open = latency.Batch;
        var p50 = latency.CommitToFinal(0.5);
        var p99 = latency.CommitToFinal(0.99);
        Console.WriteLine($"[decide] at {halfRate:0}/s: commit-to-final p50 {Report.Milliseconds(p50)}, p99 {Report.Milliseconds(p99)}, " +
            $"HTTP p99 {Report.Milliseconds(open.Percentile(0.99))}, {latency.NotCompleted} not completed; {latency.Backlog.Describe()}");
        Console.WriteLine($"[decide] backlog per second at half rate: {latency.Backlog.Compact()}");
        var tail = await latency.DescribeTailAsync(ledger, cancellationToken) + "; " + await host.StopAsync();
        Console.WriteLine($"[decide] {tail}");

        List<DecideRound> all = [.. rounds, latency];
        var notCompleted = all.Sum(r => r.NotCompleted);
        var load = new LoadResult(
            rounds.Sum(r => r.Completed),
            TimeSpan.FromSeconds(rounds.Sum(r => r.Window.TotalSeconds)),
            p50,
            p99,
            all.Sum(r => r.Batch.Sent.Count(s => s.HttpStatus != 0 && !s.Accepted)),
            all.Sum(r => r.Batch.Sent.Count(s => s.HttpStatus == 0)));
        var generatorCpu = all.Sum(r => r.Batch.GeneratorCpu.TotalMicroseconds) / Math.Max(1, all.Sum(r => r.Batch.Sent.Count));
        var figures = Figures(context, rounds, latency, halfRate, serviceStatements, statementRequests);
        List<TargetCheck> checks =
        [
            new($"decide ({transport}) commit-to-final p99 at most {LatencyTarget.TotalMilliseconds:0} ms at half the maximum rate ({halfRate:0}/s; measured {Report.Milliseconds(p99)})", p99 <= LatencyTarget && latency.Completed > 0),
            new($"decide ({transport}): every accepted decision reached its final status ({notCompleted} did not: ERROR or still in delivery after {SettleTimeout.TotalMinutes:0} min)", notCompleted == 0),
            new(string.Create(CultureInfo.InvariantCulture,
                $"decide ({transport}): backlog flat at half the maximum rate (grew by at most one second of intake, {halfRate:0}: {latency.Backlog.AtStart:0} → {latency.Backlog.AtLoadEnd:0}, peak {latency.Backlog.Max:N0})"),
                figures.BacklogFlat),
            .. EffectChecks.Of([.. all.SelectMany(r => r.Batch.Sent)], [.. all.SelectMany(r => r.Outcomes)]).Select(c => c with { Text = $"decide ({transport}): {c.Text}" }),
        ];
        return new ScenarioResult(
            Name,
            load,
            context.Approvals?.PeakMemoryBytes(),
            figures.ServiceCpuPerDecision,
            serviceStatements,
            ceilings.Count > 0 ? CeilingResult.Combine(ceilings) : null,
            ceilingStatements)
        {
            Warmup = warmup,
            StatementRequests = statementRequests,
            CeilingStatementTransactions = ceilingStatementTransactions,
            Decide = figures,
            Checks = checks,
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"decide ({transport}): requests/s is completed decisions per second at the maximum rate (first commit to last final status, {rounds.Sum(r => r.Completed):N0} decisions); " +
                    $"p50/p99 are commit-to-final at half that rate ({latency.Completed:N0} decisions, open loop at {halfRate:0}/s); " +
                    $"HTTP p50/p99 of the decision requests at the maximum rate {Report.Milliseconds(rounds[rounds.Count / 2].Batch.Percentile(0.5))}/{Report.Milliseconds(rounds.Max(r => r.Batch.Percentile(0.99)))}, " +
                    $"at half of it {Report.Milliseconds(open.Percentile(0.5))}/{Report.Milliseconds(open.Percentile(0.99))}; " +
                    $"ApprovalService CPU per request is per completed decision (intake and delivery{(context.Workers.Count > 0 ? ", the API process and the workers" : "")}); " +
                    $"the in-process generator used {generatorCpu:0} µs of CPU per decision request{WorkerMemory(context)}."),
                $"decide ({transport}) at half the maximum rate: {tail}",
                $"decide ({transport}) backlog per second, `|` where the load ended: " +
                    string.Join("; ", rounds.Select((r, i) => $"round {i + 1}: {r.Backlog.Compact()}")) + $"; half rate: {latency.Backlog.Compact()}",
            ],
        };
    }

    /// <summary>
    /// One measured phase: meters and the backlog sampler around the load and its drain (until every accepted decision
    /// has left delivery), then the outcomes (their query is the tool's work, not the service's, so after the meters).
    /// </summary>
    private static async Task<DecideRound> MeasureAsync(
        BenchContext context, DecisionLedger ledger, Func<Task<DecisionBatch>> load, CancellationToken cancellationToken)
    {
        var before = await ResourceUse.ReadAsync(context, cancellationToken);
        await using var monitor = await BacklogMonitor.StartAsync(context, cancellationToken);
        var batch = await load();
        monitor.MarkLoadEnd();
        await ledger.WaitUntilDeliveredAsync(AcceptedIds(batch), SettleTimeout, cancellationToken);
        var used = await ResourceUse.ReadAsync(context, cancellationToken) - before;
        var backlog = await monitor.StopAsync();
        return new DecideRound(batch, await ledger.OutcomesAsync(AcceptedIds(batch), cancellationToken), used, backlog);
    }

    private static DecideFigures Figures(
        BenchContext context, List<DecideRound> rounds, DecideRound latency, double halfRate, IReadOnlyList<StatementStats> statements, long statementRequests)
    {
        var completed = Math.Max(1, rounds.Sum(r => r.Completed));
        var used = rounds.Aggregate(ResourceUse.Zero, (sum, r) => sum + r.Resources);
        var series = rounds.Select(r => r.Backlog).Append(latency.Backlog).ToList();
        return new DecideFigures(
            AcceptedPerSecond: rounds.Sum(r => r.Batch.Accepted) / rounds.Sum(r => r.Batch.Elapsed.TotalSeconds),
            CompletedPerSecond: rounds.Sum(r => r.Completed) / rounds.Sum(r => r.Window.TotalSeconds),
            HalfRate: halfRate,
            P50: latency.CommitToFinal(0.5),
            P99: latency.CommitToFinal(0.99),
            StatementsPerDecision: statementRequests > 0 && statements.Count > 0 ? (double)statements.Sum(s => s.Calls) / statementRequests : null,
            StatementTimePerDecision: statementRequests > 0 && statements.Count > 0
                ? TimeSpan.FromMilliseconds(statements.Sum(s => s.Calls * s.MeanMilliseconds) / statementRequests)
                : null,
            PostgresCpuPerDecision: used.Postgres / completed,
            ServiceCpuPerDecision: used.Service / completed,
            BrokerCpuPerDecision: used.Broker / completed,
            BrokerCpu: used.Broker,
            BrokerPeakBytes: series.Max(s => s.BrokerPeakBytes),
            BrokerEndBytes: latency.Backlog.BrokerEndBytes,
            MaxRateBacklog: [.. rounds.Select(r => r.Backlog)],
            HalfRateBacklog: latency.Backlog,
            Workers: context.Workers.Count);
    }

    private static string WorkerMemory(BenchContext context) => context.Workers.Count == 0
        ? ""
        : "; worker peak RSS " + string.Join(", ", context.Workers.Select(w =>
            w.PeakMemoryBytes() is { } bytes ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0} MB") : "–"));

    /// <summary>
    /// Sends decisions until the service runs its steady-state code, as the HTTP scenarios do: slices of
    /// <see cref="WarmupSliceSeconds"/> at the maximum rate, each waited for until delivered, for at least --warmup
    /// seconds and on while the service's CPU time per completed decision still reaches new lows (by 5 %), at most
    /// --max-warmup seconds. Intake and delivery run different code, and on two busy cores the tiered JIT is still
    /// optimizing the delivery path a minute into the load.
    /// </summary>
    private static async Task<TimeSpan> WarmUpAsync(
        BenchContext context, DecisionClient client, DecisionLedger ledger, ApprovalPool pool, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var minimum = Math.Max(WarmupSliceSeconds, options.WarmupSeconds);
        var maximum = context.Approvals is null ? minimum : Math.Max(minimum, options.MaxWarmupSeconds);
        var elapsed = 0;
        var decisions = 0;
        var progress = new WarmupProgress(slicesWithoutProgress: 2);
        while (elapsed < maximum)
        {
            var cpuBefore = context.ServiceCpuTime();
            var slice = await client.RunClosedLoopAsync(pool, options.Connections, TimeSpan.FromSeconds(WarmupSliceSeconds), retry: false, cancellationToken);
            var outcomes = await ledger.WaitUntilSettledAsync(AcceptedIds(slice), SettleTimeout, cancellationToken);
            elapsed += WarmupSliceSeconds;
            decisions += slice.Sent.Count;
            var completed = outcomes.Count(o => o.IsFinal);
            progress.Record(completed > 0 ? (context.ServiceCpuTime() - cpuBefore) / completed : null);
            if (elapsed >= minimum && progress.IsSteady)
            {
                break;
            }
        }

        Console.WriteLine($"[decide] warmed up with {decisions:N0} decisions in {elapsed} s of load; service CPU {Report.Microseconds(progress.Best)}/decision at best");
        return TimeSpan.FromSeconds(elapsed);
    }

    private static List<Guid> AcceptedIds(DecisionBatch batch) => [.. batch.Sent.Where(s => s.Accepted).Select(s => s.ApprovalId)];
}
