using Approvals.Api.Data;
using Npgsql;

namespace Approvals.Api.Approvals;

/// <summary>
/// What a change to an approval reads inside its transaction, written by hand: every decision and edit runs these,
/// and EF Core's LINQ pipeline (query cache lookup, parameter extraction, materialization) cost more CPU than the
/// statements themselves (docs/benchmarks.md). Keep bench/pgbench/decide.sql in step with these statements.
/// </summary>
internal static class ApprovalChangeReads
{
    /// <summary>The approval's row (<see cref="ApprovalReader.ApprovalColumns"/>), locked until the transaction ends.</summary>
    internal const string LockSql = $"SELECT {ApprovalReader.ApprovalColumns} FROM approvals AS a WHERE a.id = $1 FOR UPDATE";

    private const string RulesSql = "SELECT r.service_rule_id, r.position FROM approval_service_rules AS r WHERE r.approval_id = $1 ORDER BY r.position";

    /// <summary>
    /// The approval with its service rules, its row locked until the transaction ends (the version read is the
    /// concurrency token of its <see cref="ApprovalWrite"/>). Null when there is no such approval.
    /// </summary>
    public static async Task<ApprovalRecord?> LockAsync(ApprovalsDbContext db, Guid id, CancellationToken cancellationToken)
    {
        await using var batch = db.Database.CreateBatchInTransaction(
            new NpgsqlBatchCommand(LockSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = id } } },
            new NpgsqlBatchCommand(RulesSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = id } } });
        ApprovalRecord? approval;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            approval = ApprovalReader.ReadApprovalRow(reader);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                approval.ServiceRules.Add(new ApprovalServiceRule { ApprovalId = id, ServiceRuleId = reader.GetInt32(0), Position = reader.GetInt32(1) });
            }
        }

        return approval;
    }
}
