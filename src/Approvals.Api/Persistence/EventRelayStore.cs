using Approvals.Api.Persistence.Sql;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// All SQL of <c>event_relay_checkpoints</c>, and the relay's lock: the statements of the relay's own session (a
/// connection of the session data source, which the relay keeps open while it is the active relay).
/// </summary>
public static class EventRelayStore
{
    /// <summary>The advisory lock key of the relay (any bigint no other code of this database uses).</summary>
    public const long LockKey = 0x4150_5052_454C_4159; // "APPRELAY"

    private static readonly SqlStatement LockSql = SqlStatement.Get("EventRelayLock");
    private static readonly SqlStatement SessionSql = SqlStatement.Get("EventRelaySession");
    private static readonly SqlStatement GetSql = SqlStatement.Get("EventRelayCheckpointGet");
    private static readonly SqlStatement SaveSql = SqlStatement.Get("EventRelayCheckpointSave");

    /// <summary>True when this session became (or already is) the active relay.</summary>
    public static async Task<bool> TryBecomeActiveAsync(NpgsqlConnection session, CancellationToken cancellationToken)
    {
        await using var command = LockSql.Bind(new NpgsqlCommand(LockSql.Text, session), ("lock_key", Value(LockKey)));
        if (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return false;
        }

        await using var settings = new NpgsqlCommand(SessionSql.Text, session);
        await settings.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    /// <summary>The relay's checkpoint; null when it has published nothing yet.</summary>
    public static async Task<EventCursor?> GetCheckpointAsync(NpgsqlConnection session, string name, CancellationToken cancellationToken)
    {
        await using var command = GetSql.Bind(new NpgsqlCommand(GetSql.Text, session), ("name", Value(name)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new EventCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : null;
    }

    public static async Task SaveCheckpointAsync(
        NpgsqlConnection session, string name, EventCursor cursor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = SaveSql.Bind(new NpgsqlCommand(SaveSql.Text, session),
            ("name", Value(name)),
            ("transaction_id", new NpgsqlParameter<ulong> { TypedValue = cursor.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 }),
            ("position", Value(cursor.Position)),
            ("updated_at", Value(now)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
