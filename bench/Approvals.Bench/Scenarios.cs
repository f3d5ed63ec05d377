using System.Globalization;

namespace Approvals.Bench;

/// <summary>One named measurement. HTTP load scenarios exist now; the delivery and chaos ones slot in beside them.</summary>
internal interface IScenario
{
    string Name { get; }

    string Description { get; }

    Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A scenario's figures: the service's load result, its pgbench ceiling, ApprovalService's peak RSS and CPU time per
/// request (which background load hardly moves, unlike the rate), and the SQL
/// PostgreSQL saw during each (to check that the ceiling script matches what the service sends).
/// </summary>
internal sealed record ScenarioResult(
    string Name,
    LoadResult Load,
    long? PeakMemoryBytes,
    TimeSpan? ServiceCpuPerRequest,
    IReadOnlyList<StatementStats> ServiceStatements,
    CeilingResult? Ceiling = null,
    IReadOnlyList<StatementStats>? CeilingStatements = null)
{
    /// <summary>How long the service was loaded before the measurement.</summary>
    public TimeSpan Warmup { get; init; }

    public double? Ratio => Ceiling is { TransactionsPerSecond: > 0 } ceiling ? Load.RequestsPerSecond / ceiling.TransactionsPerSecond : null;
}

/// <summary>The ceiling of a scenario: a pgbench script and the -D variables it needs besides the data set's.</summary>
internal sealed record CeilingScript(string File, IReadOnlyDictionary<string, string> Variables);

/// <summary>The scenarios the tool knows, and those it will know once UserService exists.</summary>
internal static class ScenarioCatalog
{
    /// <summary>What create.lua and legacy-create.lua send, as the service stores it (bench/pgbench/create.sql).</summary>
    private static readonly Dictionary<string, string> CreateVariables = new()
    {
        ["title"] = "Bench approval",
        ["description"] = "Created by the benchmark.",
        ["comment"] = "Created under load.",
        ["deadline"] = "2099-12-31T00:00:00Z",
        ["rules"] = "{1}",
        ["actor"] = DataSet.Actor,
        ["now"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["created"] = "created",
        ["changes"] = """{"title":{"old":null,"new":"Bench approval"},"description":{"old":null,"new":"Created by the benchmark."},"comment":{"old":null,"new":"Created under load."},"deadline":{"old":null,"new":"2099-12-31T00:00:00+00:00"},"serviceRules":{"old":null,"new":[1]}}""",
        ["correlation_id"] = "0HNBENCH0000:00000001",
    };

    private static readonly CeilingScript GetCeiling = new("get.sql", new Dictionary<string, string>());
    private static readonly CeilingScript CreateCeiling = new("create.sql", CreateVariables);

    public static IReadOnlyList<IScenario> Available { get; } =
    [
        new HttpScenario("get", "GET /api/v1/approvals/{id} of a random existing approval", "get.lua", GetCeiling),
        new HttpScenario("list", "GET /api/v1/approvals?status=PENDING&sort=deadline (first page, 50 items)", "list.lua",
            new CeilingScript("list.sql", new Dictionary<string, string> { ["pending_statuses"] = "{2}" })),
        new HttpScenario("create", "POST /api/v1/approvals with one service rule", "create.lua", CreateCeiling),
        new HttpScenario("legacy-get", "GET /request?id= (the original route) of a random existing approval", "legacy-get.lua", GetCeiling),
        new HttpScenario("legacy-create", "POST /request (the original route)", "legacy-create.lua", CreateCeiling),
    ];

    /// <summary>Issue 4's delivery scenarios; they need the dispatcher and UserService (issue 3).</summary>
    public static IReadOnlyDictionary<string, string> Planned { get; } = new Dictionary<string, string>
    {
        ["decide"] = "decisions through delivery to UserService: completed decisions/s and commit-to-final latency",
        ["chaos-kill"] = "ApprovalService killed with SIGKILL twice during 2,000 decisions",
        ["chaos-downstream"] = "UserService stopped for 30 s during load",
    };

    /// <summary>The scenarios named on the command line (all available ones when none is named), or a usage error.</summary>
    public static IReadOnlyList<IScenario> Resolve(IReadOnlyList<string> names, BenchPaths paths)
    {
        if (names.Count == 0)
        {
            return Available;
        }

        var chosen = new List<IScenario>();
        foreach (var name in names)
        {
            if (Available.FirstOrDefault(s => s.Name == name) is { } scenario)
            {
                chosen.Add(scenario);
            }
            else if (Planned.TryGetValue(name, out var what))
            {
                throw new UsageException(paths.HasProject("UserService")
                    ? $"{name} ({what}) is not in this version of the benchmark yet."
                    : $"{name} ({what}) needs UserService, and src/UserService does not exist in this checkout yet.");
            }
            else
            {
                throw new UsageException($"Unknown scenario {name}.");
            }
        }

        return chosen;
    }
}
