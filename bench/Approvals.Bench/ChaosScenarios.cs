namespace Approvals.Bench;

/// <summary>
/// ApprovalService killed with SIGKILL twice during the decisions (a third and two thirds of the way) and started
/// again at once: no shutdown code runs, in-flight requests and deliveries die with it, and leases it held must
/// run out and be taken over.
/// </summary>
internal sealed class ChaosKillScenario : ChaosScenario
{
    private static readonly TimeSpan KillSpacing = TimeSpan.FromSeconds(10);

    public override string Name => "chaos-kill";

    public override string Description => "ApprovalService killed with SIGKILL twice during 2,000 decisions, restarted each time";

    protected override async Task DisruptAsync(BenchContext context, int sent, Action<string> log, CancellationToken cancellationToken)
    {
        if (sent != Decisions / 3 && sent != Decisions * 2 / 3)
        {
            return;
        }

        var service = context.Approvals
            ?? throw new InvalidOperationException("chaos-kill needs the ApprovalService the benchmark starts itself (not --approvals-url).");
        log($"SIGKILL to ApprovalService (pid {service.ProcessId}) after {sent:N0} decisions sent");
        await service.KillAsync();
        await service.StartAsync(cancellationToken);
        log($"ApprovalService ready again (pid {service.ProcessId})");

        // Let it work under load before the next kill, so that one lands on a busy process, not one just started.
        await Task.Delay(KillSpacing, cancellationToken);
    }
}

/// <summary>UserService stopped for 30 seconds a quarter of the way through the decisions, then started again.</summary>
internal sealed class ChaosDownstreamScenario : ChaosScenario
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    public override string Name => "chaos-downstream";

    public override string Description => "UserService stopped for 30 s during the decisions, then restarted";

    protected override async Task DisruptAsync(BenchContext context, int sent, Action<string> log, CancellationToken cancellationToken)
    {
        if (sent != Decisions / 4)
        {
            return;
        }

        var userService = context.UserService
            ?? throw new InvalidOperationException("chaos-downstream needs the UserService the benchmark starts itself (not --user-service-url).");
        await OutageAsync("UserService", sent, userService.StopAsync, Outage, () => userService.StartAsync(cancellationToken), log, cancellationToken);
    }
}

/// <summary>
/// PostgreSQL stopped (fast shutdown: open connections are cut) for ten seconds a third of the way through, then
/// started again. The API must answer 503 while it is down (never 500), and come back by itself.
/// </summary>
internal sealed class ChaosDatabaseScenario : ChaosScenario
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    public override string Name => "chaos-db";

    public override string Description => "PostgreSQL stopped for 10 s during the decisions, then restarted";

    protected override async Task DisruptAsync(BenchContext context, int sent, Action<string> log, CancellationToken cancellationToken)
    {
        if (sent != Decisions / 3)
        {
            return;
        }

        var postgres = context.Postgres
            ?? throw new InvalidOperationException("chaos-db needs the throwaway PostgreSQL cluster the benchmark starts itself (not --connection).");
        await OutageAsync("PostgreSQL", sent, () => Task.Run(postgres.Stop, cancellationToken), Outage,
            () => Task.Run(postgres.Start, cancellationToken), log, cancellationToken);
    }

    protected override IEnumerable<TargetCheck> ExtraChecks(DecisionBatch batch, IReadOnlyList<DecisionOutcome> outcomes, IReadOnlyList<string> log)
    {
        var unavailable = batch.AnswersByStatus.GetValueOrDefault(503);
        var serverErrors = batch.AnswersByStatus.Where(a => a.Key >= 500 && a.Key != 503).Sum(a => a.Value);
        yield return new TargetCheck($"503 while the database was down ({unavailable:N0} answers), never another 5xx ({serverErrors:N0})", unavailable > 0 && serverErrors == 0);
    }
}
