using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// Closed-loop HTTP load with wrk against ApprovalService, and its ceiling: pgbench running the same SQL. After a
/// warm-up of each, the measured time is split into rounds that alternate service and ceiling, so both see the same
/// background load on a shared machine. ApprovalService's peak RSS and the SQL reaching PostgreSQL are recorded.
/// </summary>
internal sealed class HttpScenario(string name, string description, string wrkScript, CeilingScript? ceiling) : IScenario
{
    public string Name => name;

    public string Description => description;

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var roundSeconds = Math.Max(1, options.DurationSeconds / options.Rounds);
        var pgbench = ceiling is null ? null : context.Pgbench;
        Console.WriteLine($"[{name}] {description}: {options.WarmupSeconds} s warm-up, {options.Rounds} × {roundSeconds} s measured" +
            $"{(pgbench is null ? "" : ", alternating with the pgbench ceiling")}, {options.Connections} connections");

        var script = context.Paths.WrkScript(wrkScript);
        string[] scriptArguments = [context.ApiKey, options.Approvals.ToString(CultureInfo.InvariantCulture)];
        var pgbenchScript = ceiling is null ? "" : context.Paths.PgbenchScript(ceiling.File);
        var variables = new Dictionary<string, string>(ceiling?.Variables ?? new Dictionary<string, string>())
        {
            ["approvals"] = options.Approvals.ToString(CultureInfo.InvariantCulture),
            ["id_prefix"] = DataSet.IdPrefix,
        };

        context.Approvals?.ResetPeakMemory();
        if (options.WarmupSeconds > 0)
        {
            await context.Wrk.RunAsync(context.ApprovalsUrl, script, options.WarmupSeconds, scriptArguments, cancellationToken);
            if (pgbench is not null)
            {
                await pgbench.RunAsync(pgbenchScript, options.WarmupSeconds, variables, cancellationToken);
            }
        }

        var loads = new List<LoadResult>();
        var ceilings = new List<CeilingResult>();
        IReadOnlyList<StatementStats> serviceStatements = [];
        IReadOnlyList<StatementStats>? ceilingStatements = null;
        for (var round = 1; round <= options.Rounds; round++)
        {
            // The SQL is recorded in the first round only: it is the same in every round.
            await context.Statements.ResetAsync(cancellationToken);
            var load = await context.Wrk.RunAsync(context.ApprovalsUrl, script, roundSeconds, scriptArguments, cancellationToken);
            loads.Add(load);
            if (round == 1)
            {
                serviceStatements = await context.Statements.ReadAsync(cancellationToken);
                await StatementLog.SaveAsync(StatementFile(context, "service"), serviceStatements, load.Requests, cancellationToken);
            }

            var line = $"[{name}] round {round}: {load.RequestsPerSecond:0} requests/s, p50 {Report.Milliseconds(load.P50)}, p99 {Report.Milliseconds(load.P99)}, {load.Errors} errors";
            if (pgbench is not null)
            {
                await context.Statements.ResetAsync(cancellationToken);
                var measured = await pgbench.RunAsync(pgbenchScript, roundSeconds, variables, cancellationToken);
                ceilings.Add(measured);
                if (round == 1)
                {
                    ceilingStatements = await context.Statements.ReadAsync(cancellationToken);
                    await StatementLog.SaveAsync(StatementFile(context, "ceiling"), ceilingStatements, measured.Transactions, cancellationToken);
                }

                line += $"; ceiling {measured.TransactionsPerSecond:0} tps ({load.RequestsPerSecond / measured.TransactionsPerSecond:P0})";
            }

            Console.WriteLine(line);
        }

        return new ScenarioResult(
            name,
            LoadResult.Combine(loads),
            context.Approvals?.PeakMemoryBytes(),
            serviceStatements,
            ceilings.Count > 0 ? CeilingResult.Combine(ceilings) : null,
            ceilingStatements);
    }

    private string StatementFile(BenchContext context, string side) => Path.Combine(context.Paths.Results, $"statements-{name}-{side}.sql");
}
