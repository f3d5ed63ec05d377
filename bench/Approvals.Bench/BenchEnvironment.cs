using System.Globalization;
using Approvals.Testing;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// Everything a run needs, started in order and stopped in reverse: a throwaway PostgreSQL cluster with
/// pg_stat_statements (unless --connection names a database), ApprovalService built in Release as a child process
/// (unless --approvals-url names a running one), and the data set.
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    /// <summary>The key the benchmark configures on the ApprovalService it starts; loopback only, never a real secret.</summary>
    private const string BenchApiKey = "bench-api-key-0123456789";

    /// <summary>Where UserService would be when none runs: the discard port, so nothing is ever delivered by accident.</summary>
    private static readonly Uri NoUserService = new("http://127.0.0.1:9/");

    private PostgresServer? _postgres;
    private ServiceProcess? _approvals;
    private ServiceProcess? _userService;

    private BenchEnvironment()
    {
    }

    public BenchContext Context { get; private set; } = null!;

    /// <param name="withDelivery">Start UserService (unless --user-service-url names one) and enable the dispatcher.</param>
    public static async Task<BenchEnvironment> StartAsync(BenchOptions options, BenchPaths paths, bool withDelivery, CancellationToken cancellationToken)
    {
        var environment = new BenchEnvironment();
        try
        {
            await environment.StartServicesAsync(options, paths, withDelivery, cancellationToken);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_approvals is not null)
        {
            await _approvals.DisposeAsync();
        }

        if (_userService is not null)
        {
            await _userService.DisposeAsync();
        }

        _postgres?.Dispose();
    }

    private async Task StartServicesAsync(BenchOptions options, BenchPaths paths, bool withDelivery, CancellationToken cancellationToken)
    {
        var wrk = new WrkRunner(options.Connections, options.Threads);
        await wrk.EnsureInstalledAsync(cancellationToken);

        var connectionString = options.ConnectionString ?? await StartPostgresAsync();
        var userServiceUrl = options.UserServiceUrl ?? NoUserService;
        if (withDelivery && options.UserServiceUrl is null)
        {
            // UserService keeps its tables in its own schema, so it can share the benchmark's database.
            _userService = await ServiceProcess.BuildAsync("UserService", paths.Project("UserService"), "/status",
                UserServiceSettings(connectionString), Path.Combine(paths.Results, "user-service.log"), cancellationToken);
            await _userService.StartAsync(cancellationToken);
            userServiceUrl = _userService.BaseUrl;
            Console.WriteLine($"UserService on {userServiceUrl} (pid {_userService.ProcessId})");
        }

        var approvalsUrl = options.ApprovalsUrl;
        if (approvalsUrl is null)
        {
            _approvals = await ServiceProcess.BuildAsync("ApprovalService", paths.Project("Approvals.Api"), "/readyz",
                ApprovalServiceSettings(connectionString, withDelivery, options.ServiceEnvironment), Path.Combine(paths.Results, "approval-service.log"), cancellationToken);
            await _approvals.StartAsync(cancellationToken);
            approvalsUrl = _approvals.BaseUrl;
            Console.WriteLine($"ApprovalService on {approvalsUrl} (pid {_approvals.ProcessId})");
        }

        // The service has applied its migrations by the time it is ready, so the schema exists.
        await DataSet.EnsureLoadedAsync(connectionString, options.Approvals, userServiceUrl, cancellationToken);

        Context = new BenchContext
        {
            Options = options,
            Paths = paths,
            ConnectionString = connectionString,
            ApprovalsUrl = approvalsUrl,
            ApiKey = options.ApiKey ?? BenchApiKey,
            Approvals = _approvals,
            UserServiceUrl = withDelivery ? userServiceUrl : null,
            UserService = _userService,
            Postgres = _postgres,
            Wrk = wrk,
            Pgbench = options.Ceiling ? new PgbenchRunner(paths, connectionString, options.Connections, options.Threads) : null,
            Statements = new StatementLog(connectionString),
        };
    }

    private async Task<string> StartPostgresAsync()
    {
        Console.WriteLine("Starting a throwaway PostgreSQL cluster...");
        _postgres = await PostgresServer.StartDedicatedAsync(
            "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on");
        var created = new NpgsqlConnectionStringBuilder(await _postgres.CreateDatabaseAsync("approvals_bench"));

        // Only where the database is: pool size and other client settings stay the service's own.
        var plain = new NpgsqlConnectionStringBuilder
        {
            Host = created.Host,
            Port = created.Port,
            Username = created.Username,
            Database = created.Database,
        };
        Console.WriteLine($"PostgreSQL on {plain.Host}:{plain.Port.ToString(CultureInfo.InvariantCulture)}, database {plain.Database}");
        return plain.ConnectionString;
    }

    /// <summary>
    /// Configuration of the ApprovalService under test: production defaults plus the bench API key, rate limiting off.
    /// The delivery dispatcher runs when a scenario needs it (its jobs would otherwise go nowhere).
    /// </summary>
    private static Dictionary<string, string> ApprovalServiceSettings(string connectionString, bool withDelivery, IReadOnlyDictionary<string, string> extra)
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
            ["Delivery__Enabled"] = withDelivery ? "true" : "false",
        };
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
    };
}
