using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Persistence;

/// <summary>All SQL of <c>idempotency_keys</c>: claiming a key, finding a claim, and storing the response it produced.</summary>
public static class IdempotencyStore
{
    private static readonly SqlStatement ClaimSql = SqlStatement.Get("IdempotencyClaim");
    private static readonly SqlStatement FindSql = SqlStatement.Get("IdempotencyFind");
    private static readonly SqlStatement CompleteSql = SqlStatement.Get("IdempotencyComplete");

    /// <summary>Claims the key in the unit's transaction; false when it was claimed already (a retry waits here for the first).</summary>
    public static async Task<bool> ClaimAsync(
        UnitOfWork unit, string caller, string key, string requestHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, ClaimSql.BatchCommand(
            ("caller", Value(caller)), ("key", Value(key)), ("request_hash", Value(requestHash)), ("created_at", Value(now))));
        return await batch.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The claim of <paramref name="key"/> by <paramref name="caller"/>; null when there is none.</summary>
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
            }
            : null;
    }

    /// <summary>Stores the response the claimed request produced, with the claim, in the unit's transaction.</summary>
    public static async Task CompleteAsync(
        UnitOfWork unit, string caller, string key, int statusCode, string? body, string? location, string? etag, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, CompleteSql.BatchCommand(
            ("status_code", Value(statusCode)),
            ("response_body", Text(body)),
            ("location", Text(location)),
            ("e_tag", Text(etag)),
            ("caller", Value(caller)),
            ("key", Value(key))));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter<string?> Text(string? value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };
}
