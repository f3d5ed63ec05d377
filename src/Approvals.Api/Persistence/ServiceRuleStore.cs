using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// The hand-written SQL of <c>service_rules</c> that changes to approvals and deliveries need (the service rule
/// endpoints' own reads and writes are EF Core's).
/// </summary>
public static class ServiceRuleStore
{
    private static readonly SqlStatement GetSql = SqlStatement.Get("ServiceRuleGet");
    private static readonly SqlStatement UsableSql = SqlStatement.Get("ServiceRulesUsable");
    private static readonly SqlStatement SelfApprovalSql = SqlStatement.Get("ServiceRulesAllowSelfApproval");

    /// <summary>Which of <paramref name="ids"/> exist and are enabled.</summary>
    public static async Task<List<int>> UsableAsync(UnitOfWork unit, IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, UsableSql.BatchCommand(("service_rules", Value<int[]>([.. ids]))));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var usable = new List<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            usable.Add(reader.GetInt32(0));
        }

        return usable;
    }

    /// <summary>Strictest rule wins: self-approval needs every one of the approval's service rules to allow it.</summary>
    public static async Task<bool> SelfApprovalAllowedAsync(UnitOfWork unit, IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, SelfApprovalSql.BatchCommand(("service_rules", Value<int[]>([.. ids]))));
        return await batch.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary><see cref="SelfApprovalAllowedAsync(UnitOfWork, IReadOnlyList{int}, CancellationToken)"/> as one statement of its own, outside a change (what a page offers).</summary>
    public static async Task<bool> SelfApprovalAllowedAsync(NpgsqlDataSource dataSource, IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(SelfApprovalSql.BatchCommand(("service_rules", Value<int[]>([.. ids]))));
        return await batch.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>After rules were inserted with explicit ids (demo data), new ones continue after the largest.</summary>
    public static async Task ContinueIdsAfterSeededAsync(ApprovalsDbContext db, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlRawAsync(
            "SELECT setval(pg_get_serial_sequence('service_rules', 'id'), (SELECT max(id) FROM service_rules))", cancellationToken);

    /// <summary>A service rule as a delivery needs it (<see cref="ReadRow"/> reads it).</summary>
    internal static NpgsqlBatchCommand GetCommand(int id) => GetSql.BatchCommand(("service_rule_id", Value(id)));

    /// <param name="first">The column of the rule's id, when its columns come after others.</param>
    internal static ServiceRule ReadRow(NpgsqlDataReader reader, int first = 0) => new()
    {
        Id = reader.GetInt32(first + 0),
        Name = reader.GetString(first + 1),
        Url = reader.GetString(first + 2),
        ApiKey = reader.GetString(first + 3),
        Enabled = reader.GetBoolean(first + 4),
        SigningSecret = reader.IsDBNull(first + 5) ? null : reader.GetString(first + 5),
        PreviousSigningSecret = reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
        TimeoutSeconds = reader.GetInt32(first + 7),
        RetrySchedule = reader.GetFieldValue<int[]>(first + 8),
        AllowSelfApproval = reader.GetBoolean(first + 9),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(first + 10),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(first + 11),
    };
}
