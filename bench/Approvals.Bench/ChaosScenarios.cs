using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// Delivery killed with SIGKILL twice during the decisions (a third and two thirds of the way) and started again at
/// once: on postgres the ApprovalService process (API and dispatcher), whose leases must run out and be taken over;
/// on rabbitmq every worker process (the API process and its event relay keep running), whose unacknowledged
/// messages the broker hands out again. No shutdown code runs; in-flight requests and deliveries die with them.
/// </summary>
internal sealed class ChaosKillScenario : ChaosScenario
{
    private static readonly TimeSpan KillSpacing = TimeSpan.FromSeconds(10);

    public override string Name => "chaos-kill";

    public override string Description => "delivery killed with SIGKILL twice during 2,000 decisions (postgres: ApprovalService; rabbitmq: the workers), restarted each time";

    protected override async Task DisruptAsync(BenchContext context, int sent, Action<string> log, CancellationToken cancellationToken)
    {
        if (sent != Decisions / 3 && sent != Decisions * 2 / 3)
        {
            return;
        }

        var service = context.Approvals
            ?? throw new InvalidOperationException("chaos-kill needs the ApprovalService the benchmark starts itself (not --approvals-url).");
        IReadOnlyList<ServiceProcess> victims = context.Transport == BenchTransport.RabbitMq ? context.Workers : [service];
        if (victims.Count == 0)
        {
            throw new InvalidOperationException("chaos-kill on rabbitmq needs worker processes (--workers).");
        }

        log($"SIGKILL to {Describe(victims)} after {sent:N0} decisions sent");
        foreach (var victim in victims)
        {
            await victim.KillAsync();
        }

        foreach (var victim in victims)
        {
            await victim.StartAsync(cancellationToken);
        }

        log($"{Describe(victims)} ready again");

        // Let them work under load before the next kill, so that one lands on a busy process, not one just started.
        await Task.Delay(KillSpacing, cancellationToken);
    }

    private static string Describe(IReadOnlyList<ServiceProcess> processes) =>
        string.Join(", ", processes.Select(p => $"{p.Name} (pid {p.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "–"})"));
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

/// <summary>
/// The RabbitMQ node stopped (the whole Erlang VM, its data kept) for 20 seconds halfway through the decisions, then
/// started again on the same port: the API keeps taking decisions (it only writes to PostgreSQL), the relay and the
/// workers reconnect by themselves, and nothing may be lost or done twice. The API must never answer 5xx meanwhile.
/// </summary>
internal sealed class ChaosBrokerScenario : ChaosScenario
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    public override string Name => "chaos-broker";

    public override string Description => "RabbitMQ stopped for 20 s during the decisions, then restarted";

    public override IReadOnlyList<BenchTransport>? RunsOn(IReadOnlyList<BenchTransport> chosen) => [.. chosen.Where(t => t == BenchTransport.RabbitMq)];

    protected override async Task DisruptAsync(BenchContext context, int sent, Action<string> log, CancellationToken cancellationToken)
    {
        if (sent != Decisions / 2)
        {
            return;
        }

        var broker = context.Broker
            ?? throw new InvalidOperationException("chaos-broker needs the RabbitMQ node the benchmark starts itself (the rabbitmq transport, not --approvals-url).");
        await OutageAsync($"RabbitMQ (beam.smp pid {broker.NodeProcessId})", sent, broker.StopAsync, Outage, broker.StartAsync, log, cancellationToken);
    }

    protected override IEnumerable<TargetCheck> ExtraChecks(DecisionBatch batch, IReadOnlyList<DecisionOutcome> outcomes, IReadOnlyList<string> log)
    {
        var serverErrors = batch.AnswersByStatus.Where(a => a.Key >= 500).Sum(a => a.Value);
        yield return new TargetCheck($"no 5xx while the broker was down or after ({serverErrors:N0})", serverErrors == 0);
    }
}
