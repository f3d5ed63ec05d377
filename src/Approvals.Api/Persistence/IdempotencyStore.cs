using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>All SQL of <c>idempotency_keys</c>: finding the response stored for a key, storing one, and sweeping expired keys.</summary>
public static class IdempotencyStore
{
    private static readonly SqlStatement FindSql = SqlStatement.Get("IdempotencyFind");
    private static readonly SqlStatement StoreSql = SqlStatement.Get("IdempotencyStore");
    private static readonly SqlStatement SweepSql = SqlStatement.Get("IdempotencyKeysSweep");

    /// <summary>The response stored for <paramref name="key"/> of <paramref name="caller"/>, in the unit's transaction; null when none.</summary>
    public static async Task<IdempotencyRecord?> FindAsync(UnitOfWork unit, string caller, string key, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, FindSql.BatchCommand(("caller", Value(caller)), ("key", Value(key))));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new IdempotencyRecord
            {
                Caller = caller,
                Key = key,
                RequestHash = reader.GetString(0),
                StatusCode = reader.IsDBNull(1) ? null : reader.GetInt32(1),
                ResponseBody = reader.IsDBNull(2) ? null : reader.GetString(2),
                Location = reader.IsDBNull(3) ? null : reader.GetString(3),
                ETag = reader.IsDBNull(4) ? null : reader.GetString(4),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
            }
            : null;
    }

    /// <summary>
    /// Stores the response a request produced, with its change, in the unit's transaction, replacing a row that no
    /// longer holds the key (created at or before <paramref name="expiredBefore"/>, or a claim without a response
    /// created at or before <paramref name="abandonedBefore"/>). False when a concurrent request with the same key
    /// stored one first (this one then waited for it to commit): the caller must discard its own change and replay
    /// that response.
    /// </summary>
    public static async Task<bool> StoreAsync(
        UnitOfWork unit, IdempotencyRecord record, DateTimeOffset now, DateTimeOffset expiredBefore, DateTimeOffset abandonedBefore,
        CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, StoreSql.BatchCommand(
            ("caller", Value(record.Caller)),
            ("key", Value(record.Key)),
            ("request_hash", Value(record.RequestHash)),
            ("created_at", Value(now)),
            ("status_code", new NpgsqlParameter<int?> { TypedValue = record.StatusCode, NpgsqlDbType = NpgsqlDbType.Integer }),
            ("response_body", Text(record.ResponseBody)),
            ("location", Text(record.Location)),
            ("e_tag", Text(record.ETag)),
            ("expired_before", Value(expiredBefore)),
            ("abandoned_before", Value(abandonedBefore))));
        return await batch.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes up to <paramref name="limit"/> keys created at or before <paramref name="expiredBefore"/>; returns how many.</summary>
    public static async Task<int> SweepExpiredAsync(NpgsqlDataSource dataSource, DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SweepSql.Text);
        SweepSql.Bind(command, ("expired_before", Value(expiredBefore)), ("limit", Value(limit)));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

}
