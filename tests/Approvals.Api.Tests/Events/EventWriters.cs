using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Tests.Events;

/// <summary>
/// Writes approval events straight into the database in transactions the tests control (as another process of the
/// service would), so they can begin, hold and commit them in whatever order a scenario needs.
/// </summary>
public static class EventWriters
{
    public const string Actor = "system:feed-test";

    private const string InsertSql = """
        INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, data)
        SELECT e.id, e.approval_id, e.sequence, 'approval.comment_edited', $4, $5,
               '{"statusBefore": "PENDING", "statusAfter": "PENDING", "changes": {"comment": {"old": "a", "new": "b"}}}'::jsonb
        FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS e(id, approval_id, sequence)
        """;

    /// <summary>Inserts one comment_edited event per (approval, sequence) in the transaction, and returns the transaction's id.</summary>
    public static async Task<ulong> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<(Guid ApprovalId, int Sequence)> events, DateTimeOffset occurredAt)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(InsertSql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid[]> { TypedValue = [.. events.Select(_ => Guid.CreateVersion7())] },
                        new NpgsqlParameter<Guid[]> { TypedValue = [.. events.Select(e => e.ApprovalId)] },
                        new NpgsqlParameter<int[]> { TypedValue = [.. events.Select(e => e.Sequence)] },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = occurredAt },
                        new NpgsqlParameter<string> { TypedValue = Actor, NpgsqlDbType = NpgsqlDbType.Varchar },
                    },
                },
                new NpgsqlBatchCommand("SELECT pg_current_xact_id()::text"),
            },
        };
        var xid = (string)(await batch.ExecuteScalarAsync())!;
        return ulong.Parse(xid, CultureInfo.InvariantCulture);
    }

    /// <summary>What another process's ApprovalEventSignal sends after its commits.</summary>
    public static async Task NotifyAsync(NpgsqlConnection connection)
    {
        await using var notify = new NpgsqlCommand("NOTIFY approval_events", connection);
        await notify.ExecuteNonQueryAsync();
    }

    /// <summary>Every stored event's id in feed order: (transaction_id, position).</summary>
    public static async Task<List<string>> FeedOrderAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT id FROM approval_events ORDER BY transaction_id, position");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0).ToString());
        }

        return ids;
    }
}
