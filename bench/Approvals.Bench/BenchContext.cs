using Approvals.Testing;

namespace Approvals.Bench;

/// <summary>What every scenario runs against: the services of one transport, the database, the load and ceiling runners.</summary>
internal sealed class BenchContext
{
    public required BenchOptions Options { get; init; }

    public required BenchPaths Paths { get; init; }

    /// <summary>The approvals database (the service's, where the data set lives).</summary>
    public required string ConnectionString { get; init; }

    public required Uri ApprovalsUrl { get; init; }

    public required string ApiKey { get; init; }

    /// <summary>The ApprovalService child process; null when the benchmark was given a running one.</summary>
    public ServiceProcess? Approvals { get; init; }

    /// <summary>ApprovalService's build and the settings and arguments its API process runs with, for scenarios that start another one (null with --approvals-url).</summary>
    public ApprovalsLaunch? ApprovalsLaunch { get; init; }

    /// <summary>Where UserService answers, when one runs (the delivery scenarios need it).</summary>
    public Uri? UserServiceUrl { get; init; }

    /// <summary>The UserService child process; null when none is needed or the benchmark was given a running one.</summary>
    public ServiceProcess? UserService { get; init; }

    /// <summary>The throwaway cluster; null with --connection (chaos-db needs it, to restart PostgreSQL).</summary>
    public Approvals.Testing.PostgresServer? Postgres { get; init; }

    public required WrkRunner Wrk { get; init; }

    /// <summary>Null with --no-ceiling.</summary>
    public PgbenchRunner? Pgbench { get; init; }

    public required StatementLog Statements { get; init; }

    /// <summary>The transport the ApprovalService processes run with.</summary>
    public BenchTransport Transport { get; init; } = BenchTransport.Postgres;

    /// <summary>The worker processes (--role worker) of the rabbitmq transport; none with postgres.</summary>
    public IReadOnlyList<ServiceProcess> Workers { get; init; } = [];

    /// <summary>The private RabbitMQ node of the rabbitmq transport; null with postgres or --approvals-url.</summary>
    public RabbitMqServer? Broker { get; init; }

    public required ClusterCpu ClusterCpu { get; init; }

    /// <summary>CPU time of ApprovalService's processes, the API process and the workers; null when the tool started none.</summary>
    public TimeSpan? ServiceCpuTime() =>
        Approvals?.CpuTime() is { } api ? Workers.Aggregate(api, (sum, worker) => sum + (worker.CpuTime() ?? TimeSpan.Zero)) : null;

    /// <summary>CPU time of the RabbitMQ node (beam.smp and the helpers it has waited for); null without one.</summary>
    public TimeSpan? BrokerCpuTime() => Broker?.NodeProcessId is { } pid ? ProcStatus.CpuTimeWithFinishedChildren(pid) : null;
}

/// <summary>How the tool started ApprovalService's API process: enough to start another like it.</summary>
internal sealed record ApprovalsLaunch(ServiceProcess.ServiceBuild Build, IReadOnlyDictionary<string, string> Settings, IReadOnlyList<string> Arguments);
