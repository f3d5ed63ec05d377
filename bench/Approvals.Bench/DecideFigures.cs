using System.Globalization;
using System.Text;

namespace Approvals.Bench;

/// <summary>
/// decide's figures on one transport: the rates at the maximum, commit-to-final at half of it, what each completed
/// decision cost PostgreSQL (statements, CPU), the service and the broker, and the backlog (decided, not yet final)
/// second by second during the maximum-rate rounds and the half-rate phase.
/// </summary>
internal sealed record DecideFigures(
    double AcceptedPerSecond,
    double CompletedPerSecond,
    double HalfRate,
    TimeSpan P50,
    TimeSpan P99,
    double? StatementsPerDecision,
    TimeSpan? StatementTimePerDecision,
    TimeSpan? PostgresCpuPerDecision,
    TimeSpan? ServiceCpuPerDecision,
    TimeSpan? BrokerCpuPerDecision,
    TimeSpan? BrokerCpu,
    long? BrokerPeakBytes,
    long? BrokerEndBytes,
    IReadOnlyList<BacklogSeries> MaxRateBacklog,
    BacklogSeries HalfRateBacklog,
    int Workers)
{
    /// <summary>Issue 17: the rabbitmq transport's statements per completed decision as a share of the postgres transport's.</summary>
    public const double StatementShareTarget = 0.60;

    /// <summary>
    /// Flat: over the half-rate load the backlog grew by at most one second of intake (the mean of its last three
    /// samples minus the mean of its first three, against the half rate). A backlog that delivery keeps up with
    /// stays at rate × latency, a few decisions; one that grows by more than a second's intake in 30 s does not.
    /// </summary>
    public bool BacklogFlat => HalfRateBacklog.Growth <= HalfRate;
}

/// <summary>The report's table of decide per transport, and the target that sets one transport against the other.</summary>
internal static class DecideReport
{
    public static void AppendTable(StringBuilder text, IReadOnlyList<ScenarioResult> results)
    {
        var decides = results.Where(r => r.Decide is not null).ToList();
        if (decides.Count == 0)
        {
            return;
        }

        var ceiling = CeilingOf(results);
        text.AppendLine("decide per transport (rates at the maximum; latency and backlog at half of it; costs per completed decision over the maximum-rate rounds):");
        text.AppendLine();
        text.AppendLine("| Transport | Accepted/s | Completed/s | vs decide ceiling | Commit-to-final p50 / p99 | SQL statements | SQL execution time | PostgreSQL CPU | ApprovalService CPU | Broker CPU (total) | Broker RSS peak / end | Backlog at max: peak, slope | Backlog at half: start → end, peak | Flat |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var result in decides)
        {
            var f = result.Decide!;
            var maxRate = f.MaxRateBacklog;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {result.Transport?.Name() ?? "–"}{(result.Transport == BenchTransport.RabbitMq ? $" ({f.Workers} worker{(f.Workers == 1 ? "" : "s")})" : "")} " +
                $"| {f.AcceptedPerSecond:N0} | {f.CompletedPerSecond:N0} | {(ceiling is { } c ? (f.CompletedPerSecond / c).ToString("P0", CultureInfo.InvariantCulture) : "–")} " +
                $"| {Report.Milliseconds(f.P50)} / {Report.Milliseconds(f.P99)} | {(f.StatementsPerDecision is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : "–")} " +
                $"| {Report.Microseconds(f.StatementTimePerDecision)} | {Report.Microseconds(f.PostgresCpuPerDecision)} | {Report.Microseconds(f.ServiceCpuPerDecision)} " +
                $"| {(f.BrokerCpuPerDecision is null ? "–" : $"{Report.Microseconds(f.BrokerCpuPerDecision)} ({f.BrokerCpu!.Value.TotalSeconds:0.0} s)")} " +
                $"| {Megabytes(f.BrokerPeakBytes)} / {Megabytes(f.BrokerEndBytes)} " +
                $"| {(maxRate.Count == 0 ? 0 : maxRate.Max(b => b.Max)):N0}, {(maxRate.Count == 0 ? 0 : maxRate.Average(b => b.Slope)):+0;-0;0}/s " +
                $"| {f.HalfRateBacklog.AtStart:0} → {f.HalfRateBacklog.AtLoadEnd:0}, {f.HalfRateBacklog.Max:N0} | {(f.BacklogFlat ? "yes" : "**no**")} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"\"vs decide ceiling\": completed decisions per second against the pgbench ceiling of decide (bench/pgbench/decide.sql: the postgres transport's statements), " +
            $"measured with the postgres transport in this run ({(ceiling is { } t ? $"{t:N0} tps" : "not measured")}); for rabbitmq it is a comparison only, no target. " +
            $"SQL statements and their execution time (calls × mean, pg_stat_statements) are the first round's, per completed decision, without UserService's and the tool's own; " +
            $"CPU columns are per completed decision: PostgreSQL is every process of the cluster (/proc, the postmaster with its live and exited children), " +
            $"ApprovalService the API process plus the workers, the broker its beam.smp. Backlog = approvals in ACKNOWLEDGED_* (accepted, not yet final), sampled every second; " +
            $"flat = grew by at most one second of intake over the half-rate load (mean of the last 3 samples minus the first 3).");
        text.AppendLine();
    }

    /// <summary>Issue 17's target across transports: rabbitmq's statements per completed decision at most 60 % of postgres's.</summary>
    public static IEnumerable<TargetCheck> CrossChecks(IReadOnlyList<ScenarioResult> results)
    {
        var postgres = Statements(results, BenchTransport.Postgres);
        var rabbitMq = Statements(results, BenchTransport.RabbitMq);
        if (postgres is { } p && rabbitMq is { } r && p > 0)
        {
            yield return new TargetCheck(string.Create(CultureInfo.InvariantCulture,
                $"decide: PostgreSQL statements per completed decision on rabbitmq at most {DecideFigures.StatementShareTarget:P0} of postgres's (measured {r:0.0} against {p:0.0}: {r / p:P0})"),
                r <= DecideFigures.StatementShareTarget * p);
        }
    }

    private static double? Statements(IReadOnlyList<ScenarioResult> results, BenchTransport transport) =>
        results.FirstOrDefault(r => r.Transport == transport && r.Decide is not null)?.Decide!.StatementsPerDecision;

    private static double? CeilingOf(IReadOnlyList<ScenarioResult> results) =>
        results.FirstOrDefault(r => r.Name == "decide" && r.Ceiling is not null)?.Ceiling!.TransactionsPerSecond;

    private static string Megabytes(long? bytes) =>
        bytes is { } value ? $"{(value / (1024.0 * 1024)).ToString("0", CultureInfo.InvariantCulture)} MB" : "–";
}
