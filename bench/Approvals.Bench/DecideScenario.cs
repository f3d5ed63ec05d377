using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// Decisions through delivery to UserService and the final status. Each round first sends decisions on pending
/// approvals as fast as the service takes them (closed loop, one client per connection) and waits until every
/// accepted one has settled; the completed decisions per second run from the first decision's commit to the last
/// final status, from the history's timestamps. Then, after vacuuming the tables those rounds (and the ceiling's)
/// churned and a lead-in of <see cref="LeadInSeconds"/> that is not measured, at half of that maximum rate and as an
/// open loop, it measures commit-to-final latency (p50/p99) the same way. The ceiling is pgbench running the
/// statements of one whole decision (the decision transaction, the claim, the preparation and the recording with its
/// resolution).
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

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var roundSeconds = Math.Max(1, options.DurationSeconds / options.Rounds);
        var pgbench = context.Pgbench;
        Console.WriteLine($"[decide] {Description}: warm-up, then {options.Rounds} × {roundSeconds} s at the maximum rate" +
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
        var warmup = await WarmUpAsync(context, client, ledger, pool, cancellationToken);
        if (ceiling is not null)
        {
            await ceiling.RunAsync(Math.Min(options.WarmupSeconds, 10), cancellationToken);
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
            var cpuBefore = context.Approvals?.CpuTime();
            var batch = await client.RunClosedLoopAsync(pool, options.Connections, TimeSpan.FromSeconds(roundSeconds), retry: false, cancellationToken);
            var outcomes = await ledger.WaitUntilSettledAsync(AcceptedIds(batch), SettleTimeout, cancellationToken);
            var measured = new DecideRound(batch, outcomes, context.Approvals?.CpuTime() - cpuBefore);
            rounds.Add(measured);
            if (round == 1)
            {
                // UserService shares the database; its statements are not the ApprovalService's.
                serviceStatements = [.. (await context.Statements.ReadAsync(cancellationToken)).Where(s => !s.Query.Contains("user_service.", StringComparison.Ordinal))];
                statementRequests = measured.Completed;
                await StatementLog.SaveAsync(Path.Combine(context.Paths.Results, "statements-decide-service.sql"), serviceStatements, measured.Completed, cancellationToken);
            }

            var line = $"[decide] round {round}: {measured.Batch.Sent.Count:N0} decisions sent, {measured.Completed:N0} completed at " +
                $"{measured.CompletedPerSecond:0} decisions/s, HTTP p50 {Report.Milliseconds(batch.Percentile(0.5))}, " +
                $"commit-to-final p50 {Report.Milliseconds(measured.CommitToFinal(0.5))} p99 {Report.Milliseconds(measured.CommitToFinal(0.99))}, " +
                $"{measured.NotCompleted} not completed, service CPU {Report.Microseconds(measured.CpuPerDecision)}/decision";
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
        var open = await client.RunOpenLoopAsync(pool, halfRate, count, retry: false, onSent: null, cancellationToken);
        var latency = new DecideRound(open, await ledger.WaitUntilSettledAsync(AcceptedIds(open), SettleTimeout, cancellationToken), null);
        var p50 = latency.CommitToFinal(0.5);
        var p99 = latency.CommitToFinal(0.99);
        Console.WriteLine($"[decide] at {halfRate:0}/s: commit-to-final p50 {Report.Milliseconds(p50)}, p99 {Report.Milliseconds(p99)}, " +
            $"HTTP p99 {Report.Milliseconds(open.Percentile(0.99))}, {latency.NotCompleted} not completed");
        var tail = await latency.DescribeTailAsync(ledger, cancellationToken) + "; " + await host.StopAsync();
        Console.WriteLine($"[decide] {tail}");

        List<DecideRound> all = [.. rounds, latency];
        var httpErrors = all.Sum(r => r.Batch.Errors);
        var notCompleted = all.Sum(r => r.NotCompleted);
        var load = new LoadResult(
            rounds.Sum(r => r.Completed),
            TimeSpan.FromSeconds(rounds.Sum(r => r.Window.TotalSeconds)),
            p50,
            p99,
            all.Sum(r => r.Batch.Sent.Count(s => s.HttpStatus != 0 && !s.Accepted)),
            all.Sum(r => r.Batch.Sent.Count(s => s.HttpStatus == 0)));
        var generatorCpu = all.Sum(r => r.Batch.GeneratorCpu.TotalMicroseconds) / Math.Max(1, all.Sum(r => r.Batch.Sent.Count));
        var serviceCpu = rounds.Sum(r => r.ServiceCpu?.TotalMicroseconds ?? 0) / Math.Max(1, rounds.Sum(r => r.Completed));
        return new ScenarioResult(
            Name,
            load,
            context.Approvals?.PeakMemoryBytes(),
            context.Approvals is null ? null : TimeSpan.FromMicroseconds(serviceCpu),
            serviceStatements,
            ceilings.Count > 0 ? CeilingResult.Combine(ceilings) : null,
            ceilingStatements)
        {
            Warmup = warmup,
            StatementRequests = statementRequests,
            CeilingStatementTransactions = ceilingStatementTransactions,
            Checks =
            [
                new TargetCheck($"decide commit-to-final p99 at most {LatencyTarget.TotalMilliseconds:0} ms at half the maximum rate ({halfRate:0}/s; measured {Report.Milliseconds(p99)})", p99 <= LatencyTarget && latency.Completed > 0),
                new TargetCheck($"decide: every accepted decision reached its final status ({notCompleted} did not: ERROR or still in delivery after {SettleTimeout.TotalMinutes:0} min)", notCompleted == 0),
            ],
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"decide: requests/s is completed decisions per second at the maximum rate (first commit to last final status, {rounds.Sum(r => r.Completed):N0} decisions); " +
                    $"p50/p99 are commit-to-final at half that rate ({latency.Completed:N0} decisions, open loop at {halfRate:0}/s); " +
                    $"HTTP p50/p99 of the decision requests at the maximum rate {Report.Milliseconds(rounds[rounds.Count / 2].Batch.Percentile(0.5))}/{Report.Milliseconds(rounds.Max(r => r.Batch.Percentile(0.99)))}, " +
                    $"at half of it {Report.Milliseconds(open.Percentile(0.5))}/{Report.Milliseconds(open.Percentile(0.99))}; " +
                    $"ApprovalService CPU per request is per completed decision (intake and delivery); the in-process generator used {generatorCpu:0} µs of CPU per decision request."),
                $"decide at half the maximum rate: {tail}",
            ],
        };
    }

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
            var cpuBefore = context.Approvals?.CpuTime();
            var slice = await client.RunClosedLoopAsync(pool, options.Connections, TimeSpan.FromSeconds(WarmupSliceSeconds), retry: false, cancellationToken);
            var outcomes = await ledger.WaitUntilSettledAsync(AcceptedIds(slice), SettleTimeout, cancellationToken);
            elapsed += WarmupSliceSeconds;
            decisions += slice.Sent.Count;
            var completed = outcomes.Count(o => o.IsFinal);
            progress.Record(completed > 0 ? (context.Approvals?.CpuTime() - cpuBefore) / completed : null);
            if (elapsed >= minimum && progress.IsSteady)
            {
                break;
            }
        }

        Console.WriteLine($"[decide] warmed up with {decisions:N0} decisions in {elapsed} s of load; service CPU {Report.Microseconds(progress.Best)}/decision at best");
        return TimeSpan.FromSeconds(elapsed);
    }

    /// <summary>Medians of the way from the decision's commit to its first attempt, and of that attempt's call.</summary>
    private static string Stages(
        IReadOnlyCollection<DecisionOutcome> decisions, IReadOnlyDictionary<Guid, (DateTimeOffset StartedAt, TimeSpan Duration)> attempts)
    {
        var known = decisions.Where(o => attempts.ContainsKey(o.Id)).ToList();
        if (known.Count == 0)
        {
            return "no attempts found";
        }

        var toAttempt = Percentiles.Of([.. known.Select(o => attempts[o.Id].StartedAt - o.DecidedAt!.Value)], 0.5);
        var call = Percentiles.Of([.. known.Select(o => attempts[o.Id].Duration)], 0.5);
        return $"median {Report.Milliseconds(toAttempt)} from the decision to its first attempt and {Report.Milliseconds(call)} in the call";
    }

    private static List<Guid> AcceptedIds(DecisionBatch batch) => [.. batch.Sent.Where(s => s.Accepted).Select(s => s.ApprovalId)];

    /// <summary>One batch of decisions and what the database says became of them.</summary>
    private sealed class DecideRound(DecisionBatch batch, IReadOnlyList<DecisionOutcome> outcomes, TimeSpan? serviceCpu)
    {
        private readonly List<DecisionOutcome> _completed = [.. outcomes.Where(o => o.IsFinal && o.CommitToFinal is not null)];

        public DecisionBatch Batch => batch;

        public TimeSpan? ServiceCpu => serviceCpu;

        public int Completed => _completed.Count;

        /// <summary>Accepted decisions that ended in ERROR or never left delivery.</summary>
        public int NotCompleted => outcomes.Count - _completed.Count;

        /// <summary>From the first decision's commit to the last final status.</summary>
        public TimeSpan Window => _completed.Count == 0
            ? TimeSpan.FromSeconds(1)
            : _completed.Max(o => o.FinalAt!.Value) - _completed.Min(o => o.DecidedAt!.Value);

        public double CompletedPerSecond => Completed / Window.TotalSeconds;

        public TimeSpan? CpuPerDecision => Completed > 0 ? serviceCpu / Completed : null;

        public TimeSpan CommitToFinal(double fraction) => Percentiles.Of([.. _completed.Select(o => o.CommitToFinal!.Value)], fraction);

        /// <summary>
        /// Where the slowest 1 % of decisions fell, in seconds from the first decision, and which autovacuum or
        /// autoanalyze runs finished in that time: the latency tail on two shared cores is mostly such moments.
        /// </summary>
        public async Task<string> DescribeTailAsync(DecisionLedger ledger, CancellationToken cancellationToken)
        {
            if (_completed.Count == 0)
            {
                return "no completed decisions";
            }

            var start = _completed.Min(o => o.DecidedAt!.Value);
            var end = _completed.Max(o => o.FinalAt!.Value);
            var threshold = CommitToFinal(0.99);
            var slowest = _completed.Where(o => o.CommitToFinal >= threshold).ToList();
            var slow = slowest.Select(o => (o.DecidedAt!.Value - start).TotalSeconds).Order().ToList();
            var maintenance = await ledger.MaintenanceBetweenAsync(start, end, cancellationToken);
            var attempts = await ledger.FirstAttemptsAsync([.. _completed.Select(o => o.Id)], cancellationToken);
            var runs = maintenance.Count == 0
                ? "no autovacuum or autoanalyze finished in the window"
                : "autovacuum/autoanalyze finished at " + string.Join(", ", maintenance.Select(m =>
                    string.Create(CultureInfo.InvariantCulture, $"{(m.At - start).TotalSeconds:0.0} s ({m.Kind} {m.Table})")));
            return string.Create(CultureInfo.InvariantCulture,
                $"the slowest 1 % ({slow.Count} decisions, commit-to-final at least {threshold.TotalMilliseconds:0} ms) were decided between {slow[0]:0.0} s and {slow[^1]:0.0} s of {(end - start).TotalSeconds:0} s; " +
                $"{Stages(slowest, attempts)} for them against {Stages(_completed, attempts)} for all; {runs}");
        }
    }
}
