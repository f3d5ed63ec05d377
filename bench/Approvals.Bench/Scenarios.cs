using System.Globalization;

namespace Approvals.Bench;

/// <summary>One named measurement: an HTTP load scenario, the decision scenario or a reliability (chaos) scenario.</summary>
internal interface IScenario
{
    string Name { get; }

    string Description { get; }

    /// <summary>Whether it needs UserService and the delivery dispatcher (the decision scenarios do).</summary>
    bool NeedsDelivery { get; }

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

    /// <summary>Checks of the scenario's own (decision targets, chaos outcomes), held against it besides the common ones.</summary>
    public IReadOnlyList<TargetCheck> Checks { get; init; } = [];

    /// <summary>What the scenario measured beyond the table's columns, one line each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The requests (service) and transactions (ceiling) of the round whose SQL was recorded.</summary>
    public long StatementRequests { get; init; }

    public long CeilingStatementTransactions { get; init; }

    /// <summary>A reliability scenario: reported as PASS/FAIL with its checks, not as a row of rates.</summary>
    public bool IsReliability { get; init; }
}

/// <summary>One target or expectation and whether the run met it.</summary>
internal sealed record TargetCheck(string Text, bool Met);

/// <summary>The ceiling of a scenario: a pgbench script and the -D variables it needs besides the data set's.</summary>
internal sealed record CeilingScript(string File, IReadOnlyDictionary<string, string> Variables);

/// <summary>The scenarios the tool knows.</summary>
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
        ["created"] = "approval.created",
        ["data"] = """{"statusBefore":null,"statusAfter":"PENDING","changes":{"title":{"old":null,"new":"Bench approval"},"description":{"old":null,"new":"Created by the benchmark."},"comment":{"old":null,"new":"Created under load."},"deadline":{"old":null,"new":"2099-12-31T00:00:00+00:00"},"serviceRules":{"old":null,"new":[1]}}}""",
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
        new DecideScenario(),
    ];

    /// <summary>The reliability scenarios: run only when named (or all of them with "chaos"), since each takes minutes.</summary>
    public static IReadOnlyList<IScenario> Reliability { get; } = [new ChaosKillScenario(), new ChaosDownstreamScenario(), new ChaosDatabaseScenario()];

    /// <summary>The scenarios named on the command line (all load scenarios when none is named), or a usage error.</summary>
    public static IReadOnlyList<IScenario> Resolve(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return Available;
        }

        var chosen = new List<IScenario>();
        foreach (var name in names)
        {
            if (name == "chaos")
            {
                chosen.AddRange(Reliability);
            }
            else if (Available.Concat(Reliability).FirstOrDefault(s => s.Name == name) is { } scenario)
            {
                chosen.Add(scenario);
            }
            else
            {
                throw new UsageException($"Unknown scenario {name}.");
            }
        }

        return chosen;
    }
}
