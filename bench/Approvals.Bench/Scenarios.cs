using Approvals.Domain;

namespace Approvals.Bench;

/// <summary>One named measurement: an HTTP load scenario, the decision scenario or a reliability (chaos) scenario.</summary>
internal interface IScenario
{
    string Name { get; }

    string Description { get; }

    /// <summary>Whether it needs UserService and the delivery dispatcher (the decision scenarios do).</summary>
    bool NeedsDelivery { get; }

    /// <summary>
    /// The transports, of those chosen with --transport, it runs on: each of them for the delivery scenarios, only
    /// rabbitmq for chaos-broker; null for a scenario the transport does not touch, which runs once, on the first.
    /// </summary>
    IReadOnlyList<BenchTransport>? RunsOn(IReadOnlyList<BenchTransport> chosen);

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

    /// <summary>The transport it ran on; null for a scenario the transport does not touch.</summary>
    public BenchTransport? Transport { get; init; }

    /// <summary>Its name in the report: "decide (rabbitmq)", or the plain name when the transport does not matter.</summary>
    public string Label => Transport is { } transport ? $"{Name} ({transport.Name()})" : Name;

    /// <summary>decide's figures per transport (rates, costs per decision, the broker, the backlog).</summary>
    public DecideFigures? Decide { get; init; }
}

/// <summary>One target or expectation and whether the run met it.</summary>
internal sealed record TargetCheck(string Text, bool Met);

/// <summary>The ceiling of a scenario: a pgbench script and the -D variables it needs besides the data set's.</summary>
internal sealed record CeilingScript(string File, IReadOnlyDictionary<string, string> Variables);

/// <summary>The scenarios the tool knows.</summary>
internal static class ScenarioCatalog
{
    /// <summary>
    /// What create.lua and legacy-create.lua send, as the service binds it to ApprovalInsert.sql
    /// (bench/pgbench/create.sql): the new approval, its deadline timer, its created event and that event's data as
    /// ApprovalEventData writes it.
    /// </summary>
    private static readonly Dictionary<string, string> CreateVariables = new()
    {
        ["title"] = "Bench approval",
        ["description"] = "Created by the benchmark.",
        ["comment"] = "Created under load.",
        ["deadline"] = "2099-12-31T00:00:00Z",
        ["timer_kinds"] = PgbenchValues.Array(PgbenchValues.Stored(TimerKind.Deadline)),
        ["timer_due_ats"] = PgbenchValues.Array("2099-12-31T00:00:00Z"),
        ["timer_deadlines"] = PgbenchValues.Array("2099-12-31T00:00:00Z"),
        ["timer_offsets"] = PgbenchValues.Array(PgbenchValues.Interval(TimeSpan.Zero)),
        ["service_rules"] = PgbenchValues.Array("1"),
        ["status"] = PgbenchValues.Stored(ApprovalStatus.Pending),
        ["actor"] = DataSet.Actor,
        ["occurred_at"] = PgbenchValues.Timestamp(DateTimeOffset.UtcNow),
        ["version"] = PgbenchValues.Number(1),
        ["event_type"] = ApprovalEventType.Created.ToWireName(),
        // The last three braces are appended: three in a row cannot be the content of a $$ raw string.
        ["data"] = $$"""{"statusBefore":null,"statusAfter":"{{ApprovalStatus.Pending.ToWireName()}}","changes":{"title":{"old":null,"new":"Bench approval"},"description":{"old":null,"new":"Created by the benchmark."},"comment":{"old":null,"new":"Created under load."},"deadline":{"old":null,"new":"2099-12-31T00:00:00+00:00"},"serviceRules":{"old":null,"new":[1]""" + "}}}",
        ["correlation_id"] = "0HNBENCH0000:00000001",
    };

    private static readonly CeilingScript GetCeiling = new("get.sql", new Dictionary<string, string>());
    private static readonly CeilingScript CreateCeiling = new("create.sql", CreateVariables);

    /// <summary>What list.lua asks for: PENDING approvals (EF Core binds the statuses as an array).</summary>
    private static readonly CeilingScript ListCeiling = new("list.sql", new Dictionary<string, string>
    {
        ["pending_statuses"] = PgbenchValues.Array(PgbenchValues.Stored(ApprovalStatus.Pending)),
    });

    public static IReadOnlyList<IScenario> Available { get; } =
    [
        new HttpScenario("get", "GET /api/v1/approvals/{id} of a random existing approval", new HttpLoad("get.lua", GetCeiling)),
        new HttpScenario("list", "GET /api/v1/approvals?status=PENDING&sort=deadline (first page, 50 items)", new HttpLoad("list.lua", ListCeiling)),
        new HttpScenario("create", "POST /api/v1/approvals with one service rule", new HttpLoad("create.lua", CreateCeiling)),
        new HttpScenario("legacy-get", "GET /request?id= (the original route) of a random existing approval", new HttpLoad("legacy-get.lua", GetCeiling)),
        new HttpScenario("legacy-create", "POST /request (the original route)", new HttpLoad("legacy-create.lua", CreateCeiling)),
        new HttpScenario("inbox", "GET / (the web inbox, first page) by 16 approvers with 10,000 approvals waiting each, signed in with session cookies",
            new InboxLoad("inbox.lua", TimeSpan.FromMilliseconds(100))),
        new HttpScenario("inbox-detail", "GET /approvals/{id} (the web detail page) of a random one of those 10,000, by the same approvers",
            new InboxLoad("inbox-detail.lua", TimeSpan.FromMilliseconds(50))),
        new HttpScenario("vote", "POST /api/v1/approvals/{id}/votes (approve) by a named approver, each on an approval of its own", new VoteLoad()),
        new DecideScenario(),
        new TimersScenario(),
    ];

    /// <summary>The reliability scenarios: run only when named (or all of them with "chaos"), since each takes minutes.</summary>
    public static IReadOnlyList<IScenario> Reliability { get; } =
        [new ChaosKillScenario(), new ChaosDownstreamScenario(), new ChaosDatabaseScenario(), new ChaosBrokerScenario()];

    /// <summary>
    /// What telemetry costs: get and create against ApprovalService with telemetry off and on, in alternating rounds.
    /// Run only when named (or both with "otel"), since each warms up and measures two services.
    /// </summary>
    public static IReadOnlyList<IScenario> TelemetryCost { get; } =
    [
        new TelemetryCostScenario("get-otel", "get with telemetry off and on (two ApprovalService processes, alternating rounds)", new HttpLoad("get.lua", GetCeiling)),
        new TelemetryCostScenario("create-otel", "create with telemetry off and on (two ApprovalService processes, alternating rounds)", new HttpLoad("create.lua", CreateCeiling)),
    ];

    /// <summary>Every scenario's ceiling script with all its -D variables but the runner's (decide's for one pool).</summary>
    public static IEnumerable<(string Scenario, string File, IReadOnlyDictionary<string, string> Variables)> Ceilings(BenchOptions options) =>
        Available.OfType<HttpScenario>()
            .Where(s => s.Ceiling is not null)
            .Select(s => (s.Name, s.Ceiling!.File, (IReadOnlyDictionary<string, string>)HttpLoad.VariablesOf(s.Ceiling, options)))
            .Append(("decide", DecideCeiling.Script, DecideCeiling.VariablesFor(pool: 1, DateTimeOffset.UtcNow)));

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
            else if (name == "otel")
            {
                chosen.AddRange(TelemetryCost);
            }
            else if (Available.Concat(Reliability).Concat(TelemetryCost).FirstOrDefault(s => s.Name == name) is { } scenario)
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

/// <summary>
/// Which scenarios run on which transport's services, in order: one stage per transport (in --transport order),
/// each with the scenarios that run on it in the order they were named; a scenario the transport does not touch joins
/// the first stage.
/// </summary>
internal static class RunPlan
{
    public static IReadOnlyList<(BenchTransport Transport, IReadOnlyList<IScenario> Scenarios)> Of(
        IReadOnlyList<IScenario> scenarios, IReadOnlyList<BenchTransport> chosen)
    {
        foreach (var scenario in scenarios)
        {
            if (scenario.RunsOn(chosen) is { Count: 0 })
            {
                throw new UsageException($"{scenario.Name} runs on none of the transports chosen ({string.Join(", ", chosen.Select(t => t.Name()))}).");
            }
        }

        return [.. chosen
            .Select(transport => (transport, (IReadOnlyList<IScenario>)[.. scenarios.Where(s => s.RunsOn(chosen) is { } on ? on.Contains(transport) : transport == chosen[0])]))
            .Where(stage => stage.Item2.Count > 0)];
    }
}
