using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Infrastructure;
using Approvals.Domain;
using Npgsql;

namespace Approvals.Api.Approvals;

/// <summary>
/// Reads one approval as its API representation needs it: the row, its service rules in order and the delivery jobs of
/// its current decision, in one statement read by hand. Reading one approval is the service's hottest request
/// (v1 and legacy GET), and every delivery reads one to describe it to the service; EF Core's query pipeline,
/// materializer and pooled DbContext cost about as much CPU as the rest of the request together
/// (docs/benchmarks.md). What a caller may see comes from <see cref="ApprovalAccess.ReadFilter"/>, as in every other
/// read. A delivery reads the service rule it goes to in the same round trip.
/// </summary>
public sealed class ApprovalReader(NpgsqlDataSource dataSource)
{
    // Keep bench/pgbench/get.sql in step with this statement: it is the ceiling the get benchmarks measure against.
    // One row per delivery job of the current decision (one row with NULL job columns when there is none).
    private const string Sql = $"""
        SELECT {ApprovalColumns},
               ARRAY(SELECT r.service_rule_id FROM approval_service_rules AS r WHERE r.approval_id = a.id ORDER BY r.position),
               d.id, d.service_rule_id, d.state, d.attempts, d.reported_status, d.next_attempt_at, d.last_error
        FROM approvals AS a
        LEFT JOIN delivery_jobs AS d ON d.approval_id = a.id AND d.decision_id = a.current_decision_id
        WHERE a.id = $1 AND ($2::text IS NULL OR a.created_by = $2)
        """;

    /// <summary>
    /// The columns of an approval's row (of <c>approvals AS a</c>), as <see cref="ReadApprovalRow"/> reads them.
    /// last_error is the JSON EF Core writes for the owned DeliveryError (ApprovalConfiguration): its members by name.
    /// </summary>
    internal const string ApprovalColumns = """
        a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
        a.created_at, a.updated_at, a.version, a.current_decision_id,
        a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
        (a.last_error ->> 'At')::timestamptz
        """;

    private const int ApprovalColumnCount = 16;

    // Keep bench/pgbench/decide.sql in step with this statement as well.
    private const string ServiceRuleSql = """
        SELECT s.id, s.name, s.url, s.api_key, s.enabled, s.signing_secret, s.previous_signing_secret, s.timeout_seconds,
               s.retry_schedule, s.allow_self_approval, s.created_at, s.updated_at
        FROM service_rules AS s
        WHERE s.id = $1
        """;

    /// <summary>An approval the caller may read; one it may not read is reported as not found.</summary>
    public async Task<Result<ApprovalRecord>> GetAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        var (mayRead, createdBy) = ApprovalAccess.ReadFilter(caller);
        var approval = mayRead ? await ReadAsync(id, createdBy, cancellationToken) : null;
        return approval is null ? Problems.ApprovalNotFound(id) : approval;
    }

    /// <summary>
    /// The approval as a delivery describes it to a service, whoever created it, and the service rule it goes to, in
    /// one round trip: every delivery attempt reads both. Either is null when it does not exist.
    /// </summary>
    public async Task<(ApprovalRecord? ApprovalRecord, ServiceRule? Rule)> ReadForDeliveryAsync(Guid id, int serviceRuleId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(ApprovalCommand(id, createdBy: null));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ServiceRuleSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = serviceRuleId } } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var approval = await ReadApprovalAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var rule = await reader.ReadAsync(cancellationToken) ? ReadServiceRuleRow(reader) : null;
        return (approval, rule);
    }

    private async Task<ApprovalRecord?> ReadAsync(Guid id, string? createdBy, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(ApprovalCommand(id, createdBy));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadApprovalAsync(reader, cancellationToken);
    }

    private static NpgsqlBatchCommand ApprovalCommand(Guid id, string? createdBy) => new(Sql)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid> { TypedValue = id },
            new NpgsqlParameter<string?> { TypedValue = createdBy, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
        },
    };

    /// <summary>The approval with its rules and jobs from the rows of <see cref="Sql"/>; leaves the reader at the end of that result.</summary>
    private static async Task<ApprovalRecord?> ReadApprovalAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var approval = ReadApprovalRow(reader);
        var rules = reader.GetFieldValue<int[]>(ApprovalColumnCount);
        for (var position = 0; position < rules.Length; position++)
        {
            approval.ServiceRules.Add(new ApprovalServiceRule { ApprovalId = approval.Id, ServiceRuleId = rules[position], Position = position });
        }

        do
        {
            if (reader.IsDBNull(ApprovalColumnCount + 1))
            {
                break;
            }

            approval.DeliveryJobs.Add(new DeliveryJob
            {
                Id = reader.GetGuid(ApprovalColumnCount + 1),
                ApprovalId = approval.Id,
                DecisionId = approval.CurrentDecisionId!.Value,
                ServiceRuleId = reader.GetInt32(ApprovalColumnCount + 2),
                State = (DeliveryState)reader.GetInt16(ApprovalColumnCount + 3),
                Attempts = reader.GetInt32(ApprovalColumnCount + 4),
                ReportedStatus = reader.IsDBNull(ApprovalColumnCount + 5) ? null : (ApprovalStatus)reader.GetInt16(ApprovalColumnCount + 5),
                NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(ApprovalColumnCount + 6),
                LastError = reader.IsDBNull(ApprovalColumnCount + 7) ? null : reader.GetString(ApprovalColumnCount + 7),
            });
        }
        while (await reader.ReadAsync(cancellationToken));

        return approval;
    }

    private static ServiceRule ReadServiceRuleRow(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt32(0),
        Name = reader.GetString(1),
        Url = reader.GetString(2),
        ApiKey = reader.GetString(3),
        Enabled = reader.GetBoolean(4),
        SigningSecret = reader.IsDBNull(5) ? null : reader.GetString(5),
        PreviousSigningSecret = reader.IsDBNull(6) ? null : reader.GetString(6),
        TimeoutSeconds = reader.GetInt32(7),
        RetrySchedule = reader.GetFieldValue<int[]>(8),
        AllowSelfApproval = reader.GetBoolean(9),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(10),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(11),
    };

    /// <summary>An approval from the first <see cref="ApprovalColumns"/> of the current row (without its rules and jobs).</summary>
    internal static ApprovalRecord ReadApprovalRow(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        Title = reader.GetString(1),
        Description = reader.GetString(2),
        Comment = reader.GetString(3),
        Status = (ApprovalStatus)reader.GetInt16(4),
        PreviousStatus = reader.IsDBNull(5) ? null : (ApprovalStatus)reader.GetInt16(5),
        Deadline = reader.GetFieldValue<DateTimeOffset>(6),
        CreatedBy = reader.GetString(7),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(9),
        Version = reader.GetInt32(10),
        CurrentDecisionId = reader.IsDBNull(11) ? null : reader.GetGuid(11),
        LastError = reader.IsDBNull(12) ? null : new DeliveryError(
            reader.GetString(12),
            reader.GetString(13),
            reader.IsDBNull(14) ? null : reader.GetInt32(14),
            reader.GetFieldValue<DateTimeOffset>(15)),
    };
}
