using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using UserService.ApprovalEvents;

namespace UserService.Data;

/// <summary>Records received approval events, each event id once, and lists them in each approval's order.</summary>
public sealed class ReceivedEventStore(UserServiceDbContext db, TimeProvider clock)
{
    // A copy of an event already recorded (the relay republished it, or the broker handed it out again) only counts.
    private const string RecordEventSql = """
        INSERT INTO user_service.received_events (event_id, approval_id, sequence, type, occurred_at, actor, data, received_at, times_received)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
        ON CONFLICT (event_id) DO UPDATE SET times_received = received_events.times_received + 1
        """;

    /// <summary>
    /// Records the events in one transaction: one batch without error barriers runs as one implicit transaction
    /// (a single Sync), in one round trip. One statement per event rather than one multi-row INSERT, because a
    /// statement's ON CONFLICT DO UPDATE may not touch a row twice and a batch may hold two copies of one event.
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<IncomingApprovalEvent> events, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUniversalTime();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch(connection);
            foreach (var incoming in events)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(RecordEventSql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid> { TypedValue = incoming.Id },
                        new NpgsqlParameter<Guid> { TypedValue = incoming.ApprovalId },
                        new NpgsqlParameter<int> { TypedValue = incoming.Sequence },
                        new NpgsqlParameter<string> { TypedValue = incoming.Type },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = incoming.OccurredAt },
                        new NpgsqlParameter<string?> { TypedValue = incoming.Actor, NpgsqlDbType = NpgsqlDbType.Text },
                        new NpgsqlParameter<string> { TypedValue = incoming.DataJson, NpgsqlDbType = NpgsqlDbType.Jsonb },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
                    },
                });
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The received events (of one approval, or all), by approval and then sequence.</summary>
    public async Task<List<ReceivedEventResponse>> ListAsync(Guid? approvalId, CancellationToken cancellationToken) =>
        await db.ReceivedEvents.AsNoTracking()
            .Where(e => approvalId == null || e.ApprovalId == approvalId)
            .OrderBy(e => e.ApprovalId).ThenBy(e => e.Sequence).ThenBy(e => e.EventId)
            .Select(e => new ReceivedEventResponse(e.EventId, e.ApprovalId, e.Sequence, e.Type, e.OccurredAt, e.Actor, e.ReceivedAt, e.TimesReceived))
            .ToListAsync(cancellationToken);
}
