using Approvals.Testing;

namespace Approvals.Bench;

/// <summary>
/// The services of one transport, started in order and stopped in reverse: for rabbitmq a private RabbitMQ node
/// (127.0.0.1 only, its own epmd, no plugins), UserService (when delivery is needed), ApprovalService built in
/// Release as a child process (unless --approvals-url names a running one), the data set, and for rabbitmq the
/// worker processes. With postgres, ApprovalService runs with role all (API and dispatcher); with rabbitmq with
/// --role api, and --workers processes with --role worker consume the delivery queue.
/// </summary>
internal sealed class TransportStack : IAsyncDisposable
{
    /// <summary>The key the benchmark configures on the ApprovalService it starts; loopback only, never a real secret.</summary>
    private const string BenchApiKey = "bench-api-key-0123456789";

    /// <summary>Where UserService would be when none runs: the discard port, so nothing is ever delivered by accident.</summary>
    private static readonly Uri NoUserService = new("http://127.0.0.1:9/");

    private readonly BenchTransport _transport;
    private readonly string _results;
    private readonly List<ServiceProcess> _workers = [];
    private RabbitMqServer? _broker;
    private ServiceProcess? _approvals;
    private ApprovalsLaunch? _approvalsLaunch;
    private ServiceProcess? _userService;

    private TransportStack(BenchTransport transport, string results)
    {
        _transport = transport;
        _results = results;
    }

    public BenchContext Context { get; private set; } = null!;

    public static async Task<TransportStack> StartAsync(
        BenchOptions options, BenchPaths paths, BenchTransport transport, string connectionString, bool withDelivery,
        PostgresServer? postgres, WrkRunner wrk, CancellationToken cancellationToken)
    {
        var stack = new TransportStack(transport, paths.Results);
        try
        {
            await stack.StartServicesAsync(options, paths, connectionString, withDelivery, postgres, wrk, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        if (_approvals is not null)
        {
            await _approvals.DisposeAsync();
        }

        if (_userService is not null)
        {
            await _userService.DisposeAsync();
        }

        if (_broker is not null)
        {
            // Its folder (and log) goes with it: keep the log beside the services' logs.
            await File.WriteAllTextAsync(Path.Combine(_results, "rabbitmq.log"), _broker.LogTail(100_000));
            await _broker.DisposeAsync();
        }
    }

    private string LogPath(string service) => Path.Combine(_results, $"{service}-{_transport.Name()}.log");

    private async Task StartServicesAsync(
        BenchOptions options, BenchPaths paths, string connectionString, bool withDelivery, PostgresServer? postgres, WrkRunner wrk,
        CancellationToken cancellationToken)
    {
        var rabbitMq = _transport == BenchTransport.RabbitMq;
        if (rabbitMq && options.ApprovalsUrl is null)
        {
            Console.WriteLine("Starting a private RabbitMQ node...");
            _broker = await RabbitMqServer.StartDedicatedAsync();
            Console.WriteLine($"RabbitMQ {_broker.NodeName} on 127.0.0.1:{_broker.AmqpPort} (beam.smp pid {_broker.NodeProcessId})");
        }

        var userServiceUrl = options.UserServiceUrl ?? NoUserService;
        if (withDelivery && options.UserServiceUrl is null)
        {
            // UserService keeps its tables in its own schema, so it can share the benchmark's database.
            var userService = await ServiceProcess.BuildAsync("UserService", paths.Project("UserService"), "/status", cancellationToken);
            _userService = userService.Create("UserService", UserServiceSettings(connectionString), [], LogPath("user-service"));
            await _userService.StartAsync(cancellationToken);
            userServiceUrl = _userService.BaseUrl;
            Console.WriteLine($"UserService on {userServiceUrl} (pid {_userService.ProcessId})");
        }

        var approvalsUrl = options.ApprovalsUrl;
        if (approvalsUrl is null)
        {
            var settings = ApprovalServiceSettings(connectionString, withDelivery, options.ServiceEnvironment);
            var build = await ServiceProcess.BuildAsync("ApprovalService", paths.Project("Approvals.Api"), "/readyz", cancellationToken);
            // Started first, the API process takes the event relay's lock (the workers' relays stand by).
            _approvalsLaunch = new ApprovalsLaunch(build, settings, rabbitMq ? ["--role", "api"] : []);
            _approvals = build.Create("ApprovalService", settings, _approvalsLaunch.Arguments, LogPath("approval-service"));
            await _approvals.StartAsync(cancellationToken);
            approvalsUrl = _approvals.BaseUrl;
            Console.WriteLine($"ApprovalService on {approvalsUrl} (pid {_approvals.ProcessId}, {(rabbitMq ? "--role api" : "role all")}, transport {_transport.Name()})");

            if (rabbitMq && withDelivery)
            {
                // After the API process has migrated the database.
                var workerSettings = new Dictionary<string, string>(settings) { ["Delivery__Enabled"] = "true" };
                for (var n = 1; n <= options.Workers; n++)
                {
                    var worker = build.Create($"worker {n}", workerSettings, ["--role", "worker"], LogPath($"worker-{n}"));
                    _workers.Add(worker);
                    await worker.StartAsync(cancellationToken);
                    Console.WriteLine($"Worker {n} on {worker.BaseUrl} (pid {worker.ProcessId}, --role worker)");
                }
            }
        }

        // The service has applied its migrations by the time it is ready, so the schema exists.
        await DataSet.EnsureLoadedAsync(connectionString, options.Approvals, userServiceUrl, cancellationToken);

        var clusterCpu = new ClusterCpu(connectionString);
        Context = new BenchContext
        {
            Options = options,
            Paths = paths,
            ConnectionString = connectionString,
            ApprovalsUrl = approvalsUrl,
            ApiKey = options.ApiKey ?? BenchApiKey,
            Approvals = _approvals,
            ApprovalsLaunch = _approvalsLaunch,
            UserServiceUrl = withDelivery ? userServiceUrl : null,
            UserService = _userService,
            Postgres = postgres,
            Wrk = wrk,
            // The decide ceiling mirrors the postgres transport's statements: it runs with that transport only.
            Pgbench = options.Ceiling && !rabbitMq ? new PgbenchRunner(paths, connectionString, options.Connections, options.Threads, clusterCpu) : null,
            Statements = new StatementLog(connectionString),
            Transport = _transport,
            Workers = _workers,
            Broker = _broker,
            ClusterCpu = clusterCpu,
        };
    }

    /// <summary>
    /// Configuration of the ApprovalService under test: production defaults plus the bench API key, rate limiting off,
    /// day-long tokens, the transport, and telemetry off (so that figures stay comparable with the runs before it
    /// existed; get-otel and create-otel measure what it costs, and --service-env Telemetry__Enabled=true turns it
    /// on everywhere). The delivery side runs when a scenario needs it (its jobs would otherwise go nowhere).
    /// </summary>
    private Dictionary<string, string> ApprovalServiceSettings(string connectionString, bool withDelivery, IReadOnlyDictionary<string, string> extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Approvals"] = connectionString,
            ["Auth__ApiKeys__0__Name"] = "bench",
            ["Auth__ApiKeys__0__Key"] = BenchApiKey,
            ["Database__MigrateOnStartup"] = "true",
            ["Database__SeedDemoData"] = "false",
            ["RateLimiting__Enabled"] = "false",
            // The vote scenario's bearer tokens must outlive its longest run (the default is 15 minutes).
            ["Auth__Jwt__TokenLifetimeMinutes"] = "1440",
            // The inbox scenarios sign in to the web pages over plain HTTP on 127.0.0.1 (as ./run.sh does).
            ["Web__SecureCookie"] = "false",
            ["Delivery__Enabled"] = withDelivery ? "true" : "false",
            // The bench's UserService listens on 127.0.0.1, where webhooks may not go by default.
            ["Delivery__AllowPrivateNetworks"] = "true",
            ["Messaging__Transport"] = _transport.Name(),
            ["Telemetry__Enabled"] = "false",
        };
        if (_broker is not null)
        {
            settings["Messaging__RabbitMQ__Uri"] = _broker.AmqpUri;
        }

        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>UserService with production defaults, the key and signing secret of the data set's service rules.</summary>
    private static Dictionary<string, string> UserServiceSettings(string connectionString) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__UserService"] = connectionString,
        ["UserService__ApiKey"] = DataSet.DownstreamApiKey,
        ["UserService__SigningSecret"] = DataSet.DownstreamSigningSecret,
        ["UserService__MigrateOnStartup"] = "true",
        ["Telemetry__Enabled"] = "false",
    };
}
