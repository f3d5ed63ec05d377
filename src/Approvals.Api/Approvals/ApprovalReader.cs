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
/// read.
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

    /// <summary>An approval the caller may read; one it may not read is reported as not found.</summary>
    public async Task<Result<Approval>> GetAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        var (mayRead, createdBy) = ApprovalAccess.ReadFilter(caller);
        var approval = mayRead ? await ReadAsync(id, createdBy, cancellationToken) : null;
        return approval is null ? Problems.ApprovalNotFound(id) : approval;
    }

    /// <summary>The approval as a delivery describes it to a service, whoever created it.</summary>
    public Task<Approval?> ReadForDeliveryAsync(Guid id, CancellationToken cancellationToken) => ReadAsync(id, createdBy: null, cancellationToken);

    private async Task<Approval?> ReadAsync(Guid id, string? createdBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = createdBy, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
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

    /// <summary>An approval from the first <see cref="ApprovalColumns"/> of the current row (without its rules and jobs).</summary>
    internal static Approval ReadApprovalRow(NpgsqlDataReader reader) => new()
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
