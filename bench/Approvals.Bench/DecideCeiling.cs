using System.Globalization;
using Approvals.Domain;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// The ceiling of <c>decide</c>: pgbench runs bench/pgbench/decide.sql, every statement ApprovalService sends for one
/// decision from the request to the final status. Each pgbench transaction needs a pending approval of its own, so
/// before each run this writes a pool of them (numbered by client and sequence, under an id prefix of their own,
/// outside the data set) and afterwards checks that every transaction really decided one and wrote its three events,
/// then removes the unused rest.
/// </summary>
internal sealed class DecideCeiling(BenchContext context, PgbenchRunner pgbench)
{
    public const string Script = "decide.sql";

    /// <summary>Pool approval: <c>018f0002-0000-7000-&lt;pool in 4 hex&gt;-&lt;client × 2^20 + seq in 12 hex&gt;</c>.</summary>
    private const string PoolPrefix = "018f0002-0000-7000-";

    /// <summary>The pool approvals' fields, which the decision writes back unchanged.</summary>
    private const string Title = "Ceiling approval";
    private const string Description = "Decided by pgbench.";
    private const string Deadline = "2099-12-31T00:00:00Z";
    private const int Rule = 1;

    /// <summary>The approval's version after creation, the decision, the job's outcome and the resolution: one per event.</summary>
    private const int CreatedVersion = 1;
    private const int DecidedVersion = 2;
    private const int RecordedVersion = 4;

    private const string CreatePoolSql = """
        INSERT INTO approvals (id, title, description, comment, status, deadline, created_by, created_at, updated_at, version)
        SELECT (@prefix || lpad(to_hex(c * 1048576 + s), 12, '0'))::uuid, @title, @description, '', @pending,
               @deadline, @actor, now(), now(), @version
        FROM generate_series(0, @clients - 1) AS c, generate_series(1, @perClient) AS s;
        INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
        SELECT (@prefix || lpad(to_hex(c * 1048576 + s), 12, '0'))::uuid, @rule, 0
        FROM generate_series(0, @clients - 1) AS c, generate_series(1, @perClient) AS s;
        """;

    private const string CountDecidedSql = """
        SELECT (SELECT count(*) FROM approvals WHERE id BETWEEN @first AND @last AND status = ANY (@final) AND version = @version),
               (SELECT count(*) FROM approval_events WHERE approval_id BETWEEN @first AND @last)
        """;

    private const string RemoveUnusedSql = """
        DELETE FROM approval_service_rules WHERE approval_id IN (SELECT id FROM approvals WHERE id BETWEEN @first AND @last AND status = @pending);
        DELETE FROM approvals WHERE id BETWEEN @first AND @last AND status = @pending;
        """;

    private static readonly short[] FinalStatuses = [(short)ApprovalStatus.Approved, (short)ApprovalStatus.Rejected, (short)ApprovalStatus.Cancelled];

    /// <summary>Decisions per second the pool is sized for; raised to what pgbench really did, with room to spare.</summary>
    private double _expectedPerSecond = 3000;

    /// <summary>
    /// The -D variables of decide.sql for one pool: what the service binds, with values of the sizes it sends (its key
    /// hash, the stored 202 body of an approval of the data set's size, the events' data as ApprovalEventData writes
    /// them for an approval without comment, UserService's answer excerpt).
    /// </summary>
    public static IReadOnlyDictionary<string, string> VariablesFor(int pool, DateTimeOffset now)
    {
        const string DecisionId = "018f0000-0000-7000-8000-000000000002";
        const string JobId = "018f0000-0000-7000-8000-000000000003";
        const string Correlation = "0HNBENCH0000:00000001";
        const string Dispatcher = "system:dispatcher";
        var pending = ApprovalStatus.Pending.ToWireName();
        var acknowledged = ApprovalStatus.AcknowledgedApproved.ToWireName();
        var approved = ApprovalStatus.Approved.ToWireName();
        var decision = Decision.Approve.ToString().ToLowerInvariant();
        var at = PgbenchValues.Timestamp(now);
        return new Dictionary<string, string>
        {
            ["pool_prefix"] = Prefix(PoolPrefix, pool),
            ["decision_prefix"] = Prefix("018f0003-0000-7000-", pool),
            ["job_prefix"] = Prefix("018f0004-0000-7000-", pool),
            ["event_prefix"] = Prefix("018f0007-0000-7000-", pool),
            ["now"] = at,
            // The jobs fall due then, so the service's own dispatcher, still running beside pgbench, never takes them.
            ["due_at"] = "2100-01-01T00:00:00Z",

            // The decision request: its key's claim, the approval's new state, its job and event, the stored response.
            ["caller"] = DataSet.Actor,
            ["request_hash"] = new string('a', 64),
            ["title"] = Title,
            ["description"] = Description,
            ["deadline"] = Deadline,
            ["decided_status"] = PgbenchValues.Stored(ApprovalStatus.AcknowledgedApproved),
            ["decided_previous_status"] = PgbenchValues.Stored(ApprovalStatus.Pending),
            ["decided_version"] = PgbenchValues.Number(DecidedVersion),
            ["decided_read_version"] = PgbenchValues.Number(CreatedVersion),
            ["requested_status"] = PgbenchValues.Stored(Decision.Approve.FinalStatus()),
            ["service_rules"] = PgbenchValues.Array(PgbenchValues.Number(Rule)),
            ["lease_duration"] = PgbenchValues.Interval(TimeSpan.FromSeconds(60)),
            ["lease_margin"] = PgbenchValues.Interval(TimeSpan.FromSeconds(5)),
            ["decided_sequences"] = PgbenchValues.Array(PgbenchValues.Number(DecidedVersion)),
            ["decided_types"] = PgbenchValues.Array(ApprovalEventType.Decided.ToWireName()),
            ["decided_occurred_ats"] = PgbenchValues.Array(at),
            ["decided_actors"] = PgbenchValues.Array(DataSet.Actor),
            ["decided_correlation_ids"] = PgbenchValues.Array(Correlation),
            ["decided_datas"] = PgbenchValues.Array(
                $$"""{"statusBefore":"{{pending}}","statusAfter":"{{acknowledged}}","changes":{},"decision":"{{decision}}","decisionId":"{{DecisionId}}"}"""),
            ["status_code"] = PgbenchValues.Number(202),
            ["response_body"] = string.Create(CultureInfo.InvariantCulture,
                $$"""{"id":"018f0000-0000-7000-8000-000000000001","title":"Bench approval 1","description":"{{string.Concat(Enumerable.Repeat("Generated by the benchmark to look like a real request. ", 4))}}","comment":"","status":"{{acknowledged}}","deadline":"2027-06-01T00:00:00+00:00","onDeadline":null,"remindBefore":[],"serviceRules":[{{Rule}}],"createdBy":"{{DataSet.Actor}}","createdAt":"2026-11-01T00:00:00+00:00","updatedAt":"2026-11-27T00:00:00+00:00","version":{{DecidedVersion}},"deliveries":[]}"""),
            ["e_tag"] = string.Create(CultureInfo.InvariantCulture, $"\"{DecidedVersion}\""),

            // The dispatcher: the claim (16 free slots), the preparation, the recording of a success.
            ["owner"] = "vm:12345:0a1b2c3d",
            ["running"] = PgbenchValues.Array(),
            ["limit"] = PgbenchValues.Number(16),
            ["service_rule_id"] = PgbenchValues.Number(Rule),
            ["state"] = PgbenchValues.Stored(DeliveryState.Succeeded),
            ["finished"] = "true",
            ["reported_status"] = PgbenchValues.Stored(ApprovalStatus.Approved),
            ["attempt"] = PgbenchValues.Number(1),
            ["duration_ms"] = PgbenchValues.Number(3),
            ["http_status"] = PgbenchValues.Number(200),
            ["response_excerpt"] = string.Create(CultureInfo.InvariantCulture, $"{{\"id\":\"018f0000-0000-7000-8000-000000000001\",\"status\":{(short)ApprovalStatus.Approved}}}"),

            // The job's outcome and the resolution it brings: two events, one write of the approval.
            ["recorded_status"] = PgbenchValues.Stored(ApprovalStatus.Approved),
            ["recorded_previous_status"] = PgbenchValues.Stored(ApprovalStatus.AcknowledgedApproved),
            ["recorded_version"] = PgbenchValues.Number(RecordedVersion),
            ["recorded_read_version"] = PgbenchValues.Number(DecidedVersion),
            ["recorded_sequences"] = PgbenchValues.Array(PgbenchValues.Number(DecidedVersion + 1), PgbenchValues.Number(RecordedVersion)),
            ["recorded_types"] = PgbenchValues.Array(ApprovalEventType.DeliverySucceeded.ToWireName(), ApprovalEventType.Resolved.ToWireName()),
            ["recorded_occurred_ats"] = PgbenchValues.Array(at, at),
            ["recorded_actors"] = PgbenchValues.Array(Dispatcher, Dispatcher),
            ["recorded_correlation_ids"] = PgbenchValues.Array(null, null),
            ["recorded_datas"] = PgbenchValues.Array(
                string.Create(CultureInfo.InvariantCulture, $$"""{"statusBefore":"{{acknowledged}}","statusAfter":"{{acknowledged}}","changes":{},"decisionId":"{{DecisionId}}","jobId":"{{JobId}}","serviceRule":{{Rule}},"reportedStatus":"{{approved}}","attempts":1}"""),
                $$"""{"statusBefore":"{{acknowledged}}","statusAfter":"{{approved}}","changes":{},"decisionId":"{{DecisionId}}"}"""),
        };
    }

    public async Task<CeilingResult> RunAsync(int seconds, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var pool = Random.Shared.Next(1, 0xffff);
        var prefix = Prefix(PoolPrefix, pool);
        var perClient = (int)Math.Ceiling(_expectedPerSecond * 2 * seconds / options.Connections);
        await using var dataSource = NpgsqlDataSource.Create(context.ConnectionString);
        await ExecuteAsync(dataSource, CreatePoolSql, cancellationToken,
            ("prefix", prefix), ("title", Title), ("description", Description), ("pending", (short)ApprovalStatus.Pending),
            ("deadline", DateTimeOffset.Parse(Deadline, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)), ("actor", DataSet.Actor),
            ("version", CreatedVersion), ("clients", options.Connections), ("perClient", perClient), ("rule", Rule));

        var result = await pgbench.RunAsync(Script, seconds, VariablesFor(pool, DateTimeOffset.UtcNow), cancellationToken);

        var range = (first: Guid.Parse(prefix + "000000000000"), last: Guid.Parse(prefix + "ffffffffffff"));
        var (decided, events) = await CountAsync(dataSource, range.first, range.last, cancellationToken);
        await ExecuteAsync(dataSource, RemoveUnusedSql, cancellationToken,
            ("first", range.first), ("last", range.last), ("pending", (short)ApprovalStatus.Pending));
        if (decided != result.Transactions - result.Failed || events != 3 * decided)
        {
            throw new InvalidOperationException(
                $"The decide ceiling is not valid: pgbench ran {result.Transactions:N0} transactions but {decided:N0} pool approvals reached a final status " +
                $"at version {RecordedVersion} with {events:N0} events (three each expected; a pool too small, or bench/pgbench/decide.sql no longer matches the schema).");
        }

        _expectedPerSecond = Math.Max(_expectedPerSecond, result.TransactionsPerSecond);
        return result;
    }

    private static string Prefix(string start, int pool) => string.Create(CultureInfo.InvariantCulture, $"{start}{pool:x4}-");

    private static async Task<(long Decided, long Events)> CountAsync(NpgsqlDataSource dataSource, Guid first, Guid last, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CountDecidedSql);
        command.Parameters.AddWithValue("first", first);
        command.Parameters.AddWithValue("last", last);
        command.Parameters.AddWithValue("final", FinalStatuses);
        command.Parameters.AddWithValue("version", RecordedVersion);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
