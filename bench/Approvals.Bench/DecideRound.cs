using System.Globalization;

namespace Approvals.Bench;

/// <summary>CPU time used over a phase: ApprovalService's processes, the PostgreSQL cluster, the RabbitMQ node.</summary>
internal readonly record struct ResourceUse(TimeSpan? Service, TimeSpan? Postgres, TimeSpan? Broker)
{
    public static async Task<ResourceUse> ReadAsync(BenchContext context, CancellationToken cancellationToken) =>
        new(context.ServiceCpuTime(), await context.ClusterCpu.ReadAsync(cancellationToken), context.BrokerCpuTime());

    public static ResourceUse operator -(ResourceUse after, ResourceUse before) =>
        new(after.Service - before.Service, after.Postgres - before.Postgres, after.Broker - before.Broker);

    public static ResourceUse operator +(ResourceUse left, ResourceUse right) =>
        new(left.Service + right.Service, left.Postgres + right.Postgres, left.Broker + right.Broker);

    public static ResourceUse Zero => new(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
}

/// <summary>One batch of decisions and what the database says became of them.</summary>
internal sealed class DecideRound(DecisionBatch batch, IReadOnlyList<DecisionOutcome> outcomes, ResourceUse resources, BacklogSeries backlog)
{
    private readonly List<DecisionOutcome> _completed = [.. outcomes.Where(o => o.IsFinal && o.CommitToFinal is not null)];

    public DecisionBatch Batch => batch;

    public IReadOnlyList<DecisionOutcome> Outcomes => outcomes;

    /// <summary>CPU time the service, PostgreSQL and the broker used from the start of the load until it settled.</summary>
    public ResourceUse Resources => resources;

    public BacklogSeries Backlog => backlog;

    /// <summary>Accepted decisions per second of the load (what the API took in, whether delivered yet or not).</summary>
    public double AcceptedPerSecond => batch.Accepted / batch.Elapsed.TotalSeconds;

    public int Completed => _completed.Count;

    /// <summary>Accepted decisions that ended in ERROR or never left delivery.</summary>
    public int NotCompleted => outcomes.Count - _completed.Count;

    /// <summary>From the first decision's commit to the last final status.</summary>
    public TimeSpan Window => _completed.Count == 0
        ? TimeSpan.FromSeconds(1)
        : _completed.Max(o => o.FinalAt!.Value) - _completed.Min(o => o.DecidedAt!.Value);

    public double CompletedPerSecond => Completed / Window.TotalSeconds;

    public TimeSpan? CpuPerDecision => Completed > 0 ? resources.Service / Completed : null;

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
}
