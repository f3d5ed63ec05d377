namespace Approvals.Bench;

/// <summary>
/// Closed-loop HTTP load with wrk against ApprovalService, and its ceiling: pgbench running the same SQL. After a
/// warm-up of each, the measured time is split into rounds that alternate service and ceiling, so both see the same
/// background load on a shared machine. ApprovalService's peak RSS and the SQL reaching PostgreSQL are recorded.
/// What the requests and the ceiling need is the <see cref="HttpLoad"/>'s to give.
/// </summary>
internal sealed class HttpScenario(string name, string description, HttpLoad load) : IScenario
{
    public string Name => name;

    public string Description => description;

    public bool NeedsDelivery => false;

    public IReadOnlyList<BenchTransport>? RunsOn(IReadOnlyList<BenchTransport> chosen) => null;

    public CeilingScript? Ceiling => load.Ceiling;

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var roundSeconds = Math.Max(1, options.DurationSeconds / options.Rounds);
        var pgbench = load.Ceiling is null ? null : context.Pgbench;
        Console.WriteLine($"[{name}] {description}: warm-up, then {options.Rounds} × {roundSeconds} s measured" +
            $"{(pgbench is null ? "" : ", alternating with the pgbench ceiling")}, {options.Connections} connections");

        var script = context.Paths.WrkScript(load.WrkScript);
        await load.PrepareAsync(context, cancellationToken);

        context.Approvals?.ResetPeakMemory();
        var warmup = await WarmUpAsync(context, script, cancellationToken);
        if (pgbench is not null && options.WarmupSeconds > 0)
        {
            // PostgreSQL needs no JIT warm-up: enough to fill its caches and prepare the statements.
            await load.RunCeilingAsync(context, pgbench, Math.Min(options.WarmupSeconds, 10), cancellationToken);
        }

        var loads = new List<LoadResult>();
        var ceilings = new List<CeilingResult>();
        IReadOnlyList<StatementStats> serviceStatements = [];
        IReadOnlyList<StatementStats>? ceilingStatements = null;
        var serviceCpu = TimeSpan.Zero;
        var wrkCpu = TimeSpan.Zero;
        TimeSpan? databaseCpu = TimeSpan.Zero;
        long statementRequests = 0;
        long ceilingStatementTransactions = 0;
        for (var round = 1; round <= options.Rounds; round++)
        {
            // The SQL is recorded in the first round only: it is the same in every round.
            var arguments = await load.ArgumentsAsync(context, roundSeconds, cancellationToken);
            await context.Statements.ResetAsync(cancellationToken);
            var cpuBefore = context.Approvals?.CpuTime();
            var databaseCpuBefore = await context.ClusterCpu.ReadAsync(cancellationToken);
            var wrkCpuBefore = ProcStatus.FinishedChildrenCpuTime();
            var measured = await context.Wrk.RunAsync(context.ApprovalsUrl, script, roundSeconds, arguments, cancellationToken);
            wrkCpu += ProcStatus.FinishedChildrenCpuTime() - wrkCpuBefore;
            var roundDatabaseCpu = await context.ClusterCpu.ReadAsync(cancellationToken) - databaseCpuBefore;
            databaseCpu += roundDatabaseCpu;
            load.Finished(measured);
            loads.Add(measured);
            serviceCpu += context.Approvals?.CpuTime() - cpuBefore ?? TimeSpan.Zero;
            if (round == 1)
            {
                serviceStatements = await context.Statements.ReadAsync(cancellationToken);
                statementRequests = measured.Requests;
                await StatementLog.SaveAsync(StatementFile(context, "service"), serviceStatements, measured.Requests, cancellationToken);
            }

            var line = $"[{name}] round {round}: {measured.RequestsPerSecond:0} requests/s, p50 {Report.Milliseconds(measured.P50)}, p99 {Report.Milliseconds(measured.P99)}, {measured.Errors} errors, service CPU {Report.Microseconds(CpuPerRequest(context, cpuBefore, measured))}/request, " +
                $"PostgreSQL CPU {Report.Microseconds(PerUnit(roundDatabaseCpu, measured.Requests))}/request";
            if (pgbench is not null)
            {
                await context.Statements.ResetAsync(cancellationToken);
                var ceiling = await load.RunCeilingAsync(context, pgbench, roundSeconds, cancellationToken);
                ceilings.Add(ceiling);
                if (round == 1)
                {
                    ceilingStatements = await context.Statements.ReadAsync(cancellationToken);
                    ceilingStatementTransactions = ceiling.Transactions;
                    await StatementLog.SaveAsync(StatementFile(context, "ceiling"), ceilingStatements, ceiling.Transactions, cancellationToken);
                }

                line += $"; ceiling {ceiling.TransactionsPerSecond:0} tps ({measured.RequestsPerSecond / ceiling.TransactionsPerSecond:P0}), " +
                    $"PostgreSQL CPU {Report.Microseconds(PerUnit(ceiling.DatabaseCpu, ceiling.Transactions))}/transaction, " +
                    $"pgbench {Report.Microseconds(PerUnit(ceiling.ClientCpu, ceiling.Transactions))}/transaction";
            }

            Console.WriteLine(line);
        }

        await load.CheckAfterAsync(context, cancellationToken);
        var combined = LoadResult.Combine(loads);
        var ceilingCombined = ceilings.Count > 0 ? CeilingResult.Combine(ceilings) : null;
        return new ScenarioResult(
            name,
            combined,
            context.Approvals?.PeakMemoryBytes(),
            context.Approvals is null || combined.Requests == 0 ? null : serviceCpu / combined.Requests,
            serviceStatements,
            ceilingCombined,
            ceilingStatements)
        {
            Warmup = warmup,
            StatementRequests = statementRequests,
            CeilingStatementTransactions = ceilingStatementTransactions,
            Notes = combined.Requests == 0 ? [] : [CpuNote(name, wrkCpu / combined.Requests, PerUnit(databaseCpu, combined.Requests), ceilingCombined)],
            Checks = load.TargetP99 is { } target
                ? [new TargetCheck($"{name}: p99 {Report.Milliseconds(combined.P99)} (worst round) under {Report.Milliseconds(target)}, no errors", combined.P99 < target && combined.Errors == 0)]
                : [],
        };
    }

    /// <summary>
    /// Loads the service until it runs its steady-state code: at least --warmup seconds, then on while its CPU time
    /// per request still reaches new lows (by 5 %) in five-second slices (tiered JIT compilation can take a minute on
    /// two busy cores), at most --max-warmup seconds. A service the tool did not start gets --warmup seconds.
    /// </summary>
    private async Task<TimeSpan> WarmUpAsync(BenchContext context, string script, CancellationToken cancellationToken)
    {
        const int SliceSeconds = 5;
        var options = context.Options;
        var service = context.Approvals;
        if (service is null)
        {
            if (options.WarmupSeconds > 0)
            {
                var arguments = await load.ArgumentsAsync(context, options.WarmupSeconds, cancellationToken);
                load.Finished(await context.Wrk.RunAsync(context.ApprovalsUrl, script, options.WarmupSeconds, arguments, cancellationToken));
            }

            return TimeSpan.FromSeconds(options.WarmupSeconds);
        }

        var elapsed = 0;
        var progress = new WarmupProgress(slicesWithoutProgress: 3);
        while (elapsed < Math.Max(options.WarmupSeconds, options.MaxWarmupSeconds))
        {
            var arguments = await load.ArgumentsAsync(context, SliceSeconds, cancellationToken);
            var before = service.CpuTime();
            var slice = await context.Wrk.RunAsync(context.ApprovalsUrl, script, SliceSeconds, arguments, cancellationToken);
            load.Finished(slice);
            elapsed += SliceSeconds;
            progress.Record(CpuPerRequest(context, before, slice));
            if (elapsed >= options.WarmupSeconds && progress.IsSteady)
            {
                break;
            }
        }

        Console.WriteLine($"[{name}] warmed up for {elapsed} s; service CPU {Report.Microseconds(progress.Best)}/request at best");
        return TimeSpan.FromSeconds(elapsed);
    }

    /// <summary>Where the rest of the two cores went: to the load tool and PostgreSQL, for the service and for its ceiling.</summary>
    private static string CpuNote(string name, TimeSpan wrkPerRequest, TimeSpan? databasePerRequest, CeilingResult? ceiling)
    {
        var note = $"{name}: wrk used {Report.Microseconds(wrkPerRequest)} of CPU per request";
        if (databasePerRequest is not null)
        {
            note += $", PostgreSQL {Report.Microseconds(databasePerRequest)}";
        }

        if (ceiling is { Transactions: > 0 })
        {
            note += $"; in the ceiling, pgbench used {Report.Microseconds(ceiling.ClientCpu / ceiling.Transactions)} per transaction" +
                (ceiling.DatabaseCpu is { } database ? $", PostgreSQL {Report.Microseconds(database / ceiling.Transactions)}" : "");
        }

        return note + ".";
    }

    private static TimeSpan? PerUnit(TimeSpan? total, long count) => count > 0 ? total / count : null;

    private static TimeSpan? CpuPerRequest(BenchContext context, TimeSpan? before, LoadResult load) =>
        load.Requests > 0 ? (context.Approvals?.CpuTime() - before) / load.Requests : null;

    private string StatementFile(BenchContext context, string side) => Path.Combine(context.Paths.Results, $"statements-{name}-{side}.sql");
}
