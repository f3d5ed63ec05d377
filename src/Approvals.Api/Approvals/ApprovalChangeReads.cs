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

    // The first step of a rule's retry schedule (NULL past the end of the array, so 0 when the schedule is empty).
    private const string FirstDelaysSql = "SELECT s.id, coalesce(s.retry_schedule[1], 0) FROM service_rules AS s WHERE s.id = ANY ($1)";

    /// <summary>
    /// The approval with its service rules, its row locked until the transaction ends, and tracked as it was read
    /// (the version read is the concurrency token of the update). Null when there is no such approval.
    /// </summary>
    public static async Task<Approval?> LockAsync(ApprovalsDbContext db, Guid id, CancellationToken cancellationToken)
    {
        await using var batch = db.Database.CreateBatchInTransaction(
            new NpgsqlBatchCommand(LockSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = id } } },
            new NpgsqlBatchCommand(RulesSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = id } } });
        Approval? approval;
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

        db.Approvals.Attach(approval);
        return approval;
    }

    /// <summary>The delay before the first attempt of each of these service rules, in seconds, by rule id.</summary>
    public static async Task<Dictionary<int, int>> FirstDelaysAsync(ApprovalsDbContext db, int[] ruleIds, CancellationToken cancellationToken)
    {
        await using var batch = db.Database.CreateBatchInTransaction(
            new NpgsqlBatchCommand(FirstDelaysSql) { Parameters = { new NpgsqlParameter<int[]> { TypedValue = ruleIds } } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var delays = new Dictionary<int, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            delays[reader.GetInt32(0)] = reader.GetInt32(1);
        }

        return delays;
    }
}
