using System.Globalization;

namespace Approvals.Bench;

/// <summary>The command line: scenario names and options. Every option has a default that makes runs comparable.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Approvals.Bench -- [scenario...] [options]

        Load scenarios (the default: all of them): get, list, create, legacy-get, legacy-create, decide
        Reliability scenarios (only when named; "chaos" names all three): chaos-kill, chaos-downstream, chaos-db

        Options:
          --duration <s>            measured seconds per scenario, for the service and for its ceiling (default 30)
          --rounds <n>              split the measured time into n rounds alternating service and ceiling (default 3)
          --warmup <s>              minimum warm-up seconds before each measurement (default 45)
          --max-warmup <s>          longest warm-up, for a service still getting faster (default 120)
          --connections <n>         concurrent connections of wrk and clients of pgbench (default 16)
          --threads <n>             wrk and pgbench threads (default 2)
          --approvals <n>           approvals in the data set (default 100000)
          --connection <cs>         use this PostgreSQL database instead of a throwaway cluster (empty or holding the data set)
          --approvals-url <url>     use this running ApprovalService instead of starting one (needs --connection and --api-key)
          --api-key <key>           the API key for --approvals-url
          --user-service-url <url>  a running UserService for decide (the chaos scenarios need the tool's own)
          --service-env <KEY=VALUE> extra environment for the ApprovalService it starts (repeatable; for experiments)
          --no-ceiling              skip the pgbench ceiling
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

    public string? ConnectionString { get; init; }

    public Uri? ApprovalsUrl { get; init; }

    public string? ApiKey { get; init; }

    public Uri? UserServiceUrl { get; init; }

    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; } = new Dictionary<string, string>();

    public bool Ceiling { get; init; } = true;

    public bool CheckScriptsOnly { get; init; }

    public string Output { get; init; } = "docs/benchmarks.md";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        var scenarios = new List<string>();
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
                "--connection" => options with { ConnectionString = Value(args, ref i) },
                "--approvals-url" => options with { ApprovalsUrl = Url(arg, Value(args, ref i)) },
                "--api-key" => options with { ApiKey = Value(args, ref i) },
                "--user-service-url" => options with { UserServiceUrl = Url(arg, Value(args, ref i)) },
                "--service-env" => options with { ServiceEnvironment = WithSetting(options.ServiceEnvironment, Value(args, ref i)) },
                "--no-ceiling" => options with { Ceiling = false },
                "--check-scripts" => options with { CheckScriptsOnly = true },
                "--output" => options with { Output = Value(args, ref i) },
                _ => throw new UsageException($"Unknown option {arg}."),
            };
        }

        if (options.ApprovalsUrl is not null && (options.ConnectionString is null || options.ApiKey is null))
        {
            throw new UsageException("--approvals-url needs --connection (its database) and --api-key.");
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
