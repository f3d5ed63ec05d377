using System.Globalization;

namespace Approvals.Bench;

/// <summary>The command line: scenario names and options. Every option has a default that makes runs comparable.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Approvals.Bench -- [scenario...] [options]

        Load scenarios (the default: all of them): get, list, create, legacy-get, legacy-create, inbox, inbox-detail, vote, decide, timers
        Reliability scenarios (only when named; "chaos" names all four): chaos-kill, chaos-downstream, chaos-db, chaos-broker
        Telemetry cost (only when named; "otel" names both): get-otel, create-otel: get and create against two ApprovalService
        processes on the same database, telemetry off (as every other scenario runs it) and on, in alternating rounds;
        target: telemetry on serves at least 95 % of the requests per second of telemetry off

        Transports: decide, timers and the chaos scenarios run once per transport of --transport, each transport on services of
        its own (its own database in the one PostgreSQL cluster, its own UserService, ApprovalService, and for rabbitmq
        a private RabbitMQ node on 127.0.0.1 and --workers worker processes), one transport after the other, postgres
        first. chaos-broker (RabbitMQ stopped for 20 s) runs on rabbitmq only. The HTTP scenarios do not depend on the
        transport and run once, on the first transport's services. With postgres, ApprovalService runs as today (role
        all: API and dispatcher in one process); with rabbitmq, it runs with --role api and the workers with --role
        worker. The decide ceiling (pgbench) mirrors the postgres transport's statements and runs only with it; the
        rabbitmq figures are set against that same ceiling, for comparison, with no target.

        Options:
          --duration <s>            measured seconds per scenario, for the service and for its ceiling (default 30)
          --rounds <n>              split the measured time into n rounds alternating service and ceiling (default 3)
          --warmup <s>              minimum warm-up seconds before each measurement (default 45)
          --max-warmup <s>          longest warm-up, for a service still getting faster (default 120)
          --connections <n>         concurrent connections of wrk and clients of pgbench (default 16)
          --threads <n>             wrk and pgbench threads (default 2)
          --approvals <n>           approvals in the data set (default 100000)
          --timers <n>              approvals whose deadlines fall due together in the timers scenario (default 10000)
          --connection <cs>         use this PostgreSQL database instead of a throwaway cluster (empty or holding the data set)
          --approvals-url <url>     use this running ApprovalService instead of starting one (needs --connection and --api-key)
          --api-key <key>           the API key for --approvals-url
          --user-service-url <url>  a running UserService for decide (the chaos scenarios need the tool's own)
          --service-env <KEY=VALUE> extra environment for the ApprovalService it starts (repeatable; for experiments)
          --no-ceiling              skip the pgbench ceiling
          --transport <t>           postgres, rabbitmq or both (default both; postgres with --connection or --approvals-url,
                                    which name one database or service and so allow one transport only)
          --workers <n>             worker processes (--role worker) of the rabbitmq transport (default 1)
          --check-scripts           only expand the pgbench scripts and check their variables (no PostgreSQL needed)
          --output <path>           where the Markdown report goes (default docs/benchmarks.md; "-" prints only)
        """;

    public IReadOnlyList<string> Scenarios { get; init; } = [];

    public int DurationSeconds { get; init; } = 30;

    public int Rounds { get; init; } = 3;

    public int WarmupSeconds { get; init; } = 45;

    public int MaxWarmupSeconds { get; init; } = 120;

    public int Connections { get; init; } = 16;

    public int Threads { get; init; } = 2;

    public int Approvals { get; init; } = 100_000;

    /// <summary>Approvals whose deadlines fall due at once in the timers scenario.</summary>
    public int TimerApprovals { get; init; } = 10_000;

    public string? ConnectionString { get; init; }

    public Uri? ApprovalsUrl { get; init; }

    public string? ApiKey { get; init; }

    public Uri? UserServiceUrl { get; init; }

    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; } = new Dictionary<string, string>();

    public bool Ceiling { get; init; } = true;

    /// <summary>The transports to run the transport-dependent scenarios on, in order.</summary>
    public IReadOnlyList<BenchTransport> Transports { get; init; } = [BenchTransport.Postgres, BenchTransport.RabbitMq];

    /// <summary>Worker processes of the rabbitmq transport.</summary>
    public int Workers { get; init; } = 1;

    public bool CheckScriptsOnly { get; init; }

    public string Output { get; init; } = "docs/benchmarks.md";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        var scenarios = new List<string>();
        IReadOnlyList<BenchTransport>? transports = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                scenarios.Add(arg);
                continue;
            }

            options = arg switch
            {
                "--duration" => options with { DurationSeconds = PositiveInt(arg, Value(args, ref i)) },
                "--rounds" => options with { Rounds = PositiveInt(arg, Value(args, ref i)) },
                "--warmup" => options with { WarmupSeconds = NonNegativeInt(arg, Value(args, ref i)) },
                "--max-warmup" => options with { MaxWarmupSeconds = NonNegativeInt(arg, Value(args, ref i)) },
                "--connections" => options with { Connections = PositiveInt(arg, Value(args, ref i)) },
                "--threads" => options with { Threads = PositiveInt(arg, Value(args, ref i)) },
                "--approvals" => options with { Approvals = PositiveInt(arg, Value(args, ref i)) },
                "--timers" => options with { TimerApprovals = PositiveInt(arg, Value(args, ref i)) },
                "--connection" => options with { ConnectionString = Value(args, ref i) },
                "--approvals-url" => options with { ApprovalsUrl = Url(arg, Value(args, ref i)) },
                "--api-key" => options with { ApiKey = Value(args, ref i) },
                "--user-service-url" => options with { UserServiceUrl = Url(arg, Value(args, ref i)) },
                "--service-env" => options with { ServiceEnvironment = WithSetting(options.ServiceEnvironment, Value(args, ref i)) },
                "--no-ceiling" => options with { Ceiling = false },
                "--transport" => options with { Transports = transports = BenchTransports.Parse(Value(args, ref i)) },
                "--workers" => options with { Workers = PositiveInt(arg, Value(args, ref i)) },
                "--check-scripts" => options with { CheckScriptsOnly = true },
                "--output" => options with { Output = Value(args, ref i) },
                _ => throw new UsageException($"Unknown option {arg}."),
            };
        }

        if (options.ApprovalsUrl is not null && (options.ConnectionString is null || options.ApiKey is null))
        {
            throw new UsageException("--approvals-url needs --connection (its database) and --api-key.");
        }

        var external = options.ConnectionString is not null || options.ApprovalsUrl is not null;
        if (external && transports is { Count: > 1 })
        {
            throw new UsageException("--connection and --approvals-url name one database or service: choose one --transport.");
        }

        if (external && transports is null)
        {
            options = options with { Transports = [BenchTransport.Postgres] };
        }

        if (options.Threads > options.Connections)
        {
            throw new UsageException("--threads cannot exceed --connections.");
        }

        return options with { Scenarios = scenarios };
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new UsageException($"{args[i - 1]} needs a value.");

    private static Dictionary<string, string> WithSetting(IReadOnlyDictionary<string, string> settings, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        return equals > 0
            ? new Dictionary<string, string>(settings) { [assignment[..equals]] = assignment[(equals + 1)..] }
            : throw new UsageException("--service-env takes KEY=VALUE.");
    }

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new UsageException($"{name} must be a positive integer.");

    private static int NonNegativeInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new UsageException($"{name} must be a non-negative integer.");

    private static Uri Url(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UsageException($"{name} must be an http(s) URL.");
}

/// <summary>A mistake on the command line: the message and the usage are printed, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
