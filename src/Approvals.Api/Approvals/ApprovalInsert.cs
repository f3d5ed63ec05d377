using Approvals.Api.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Approvals;

/// <summary>
/// Writes a new approval, its service rules and its created event in one statement, and only when every service rule
/// it names exists and is enabled. One round trip instead of EF Core's three (the rule check, the batch of INSERTs,
/// COMMIT) and none of SaveChanges' change tracking: creating is the service's hottest write (docs/benchmarks.md).
/// A single statement is atomic without an explicit transaction, so it needs no connection of its own either: it goes
/// through the data source (multiplexed with other requests' statements), unless the request's Idempotency-Key
/// transaction must hold it.
/// </summary>
public sealed class ApprovalInsert(NpgsqlDataSource dataSource)
{
    // Keep bench/pgbench/create.sql in step with this statement: it is the ceiling the create benchmark measures against.
    private const string Sql = """
        WITH usable AS (
            SELECT s.id FROM service_rules AS s WHERE s.id = ANY ($1) AND s.enabled
        ), approval AS (
            INSERT INTO approvals (id, title, description, comment, status, deadline, created_by, created_at, version)
            SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10
            WHERE NOT EXISTS (SELECT 1 FROM unnest($1) AS r(id) WHERE r.id NOT IN (SELECT u.id FROM usable AS u))
            RETURNING id, updated_at
        ), rules AS (
            INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
            SELECT a.id, r.id, r.ordinal - 1 FROM approval AS a, unnest($1) WITH ORDINALITY AS r(id, ordinal)
        ), event AS (
            INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
            SELECT $11, a.id, $10, $12, $9, $8, $14, $13 FROM approval AS a
        )
        SELECT (SELECT a.updated_at FROM approval AS a), ARRAY(SELECT u.id FROM usable AS u)
        """;

    /// <summary>
    /// Inserts <paramref name="approval"/> with its service rules and its <see cref="ApprovalEventType.Created"/> event
    /// (<paramref name="created"/>), and sets its
    /// <see cref="ApprovalRecord.UpdatedAt"/>. When a service rule is missing or disabled nothing is written and the result
    /// lists the rules that are usable; otherwise it is null.
    /// </summary>
    /// <param name="joining">A DbContext with an open transaction the insert must be part of; null to run on its own.</param>
    public async Task<int[]?> InsertAsync(
        ApprovalRecord approval, ApprovalEvent created, ApprovalsDbContext? joining, CancellationToken cancellationToken)
    {
        await using var command = joining?.Database.CurrentTransaction?.GetDbTransaction() is NpgsqlTransaction transaction
            ? new NpgsqlCommand(Sql, transaction.Connection, transaction)
            : dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. approval.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId)] });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = approval.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approval.Title });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approval.Description });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approval.Comment });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)approval.Status });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = approval.Deadline });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approval.CreatedBy });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = approval.CreatedAt });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = approval.Version });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = created.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.Type.ToWireName() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ApprovalEventData.Write(created), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)created.CorrelationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.IsDBNull(0))
        {
            return reader.GetFieldValue<int[]>(1);
        }

        approval.UpdatedAt = reader.GetFieldValue<DateTimeOffset>(0);
        return null;
    }
}
