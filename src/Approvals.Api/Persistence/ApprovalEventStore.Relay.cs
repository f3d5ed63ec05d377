using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>A pending job that an event queued, as the relay puts it on the delivery queue.</summary>
public readonly record struct QueuedJob(Guid JobId, int AttemptsMade, DateTimeOffset DueAt);

/// <summary>One committed event as the relay publishes it, with its feed position and the jobs it queued.</summary>
public sealed record RelayedEvent(
    EventCursor Cursor,
    Guid Id,
    Guid ApprovalId,
    int Sequence,
    string Type,
    DateTimeOffset OccurredAt,
    string Actor,
    string? CorrelationId,
    string DataJson,
    IReadOnlyList<QueuedJob> Jobs);

/// <summary>
/// What one relay read found: the settled events in feed order (safe to publish and checkpoint), and the committed
/// events after them that an open older transaction still holds back (their jobs may go out already).
/// </summary>
public sealed record RelayRead(List<RelayedEvent> Settled, List<RelayedEvent> HeldBack);

/// <summary>The relay's side of the approval event store (Sql/ApprovalEventsRelay.sql explains the statement).</summary>
public sealed partial class ApprovalEventStore
{
    private static readonly SqlStatement RelaySql = SqlStatement.Get("ApprovalEventsRelay");
    private static readonly string[] JobEventTypes = [ApprovalEventType.Decided.ToWireName(), ApprovalEventType.Redelivered.ToWireName()];

    /// <summary>
    /// Up to <paramref name="limit"/> committed events after <paramref name="after"/> (null: from the beginning), on
    /// the relay's own session, split at the first one that is not settled yet.
    /// </summary>
    public static async Task<RelayRead> ReadForRelayAsync(
        NpgsqlConnection session, EventCursor? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = RelaySql.Bind(new NpgsqlCommand(RelaySql.Text, session),
            ("job_event_types", Value(JobEventTypes)),
            ("after_transaction_id", new NpgsqlParameter<ulong> { TypedValue = after?.TransactionId ?? 0, NpgsqlDbType = NpgsqlDbType.Xid8 }),
            ("after_position", Value(after?.Position ?? 0L)),
            ("limit", Value(limit)));
        var read = new RelayRead(new List<RelayedEvent>(Math.Min(limit, 256)), []);
        var events = read.Settled;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.GetBoolean(2))
            {
                // Everything from here on waits for the feed order, whether settled itself or not.
                events = read.HeldBack;
            }

            var jobs = new List<QueuedJob>();
            if (!reader.IsDBNull(11))
            {
                var ids = reader.GetFieldValue<Guid[]>(11);
                var attempts = reader.GetFieldValue<int[]>(12);
                var due = reader.GetFieldValue<DateTimeOffset[]>(13);
                for (var i = 0; i < ids.Length; i++)
                {
                    jobs.Add(new QueuedJob(ids[i], attempts[i], due[i]));
                }
            }

            events.Add(new RelayedEvent(
                new EventCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)),
                reader.GetGuid(3),
                reader.GetGuid(4),
                reader.GetInt32(5),
                reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.GetString(10),
                jobs));
        }

        return read;
    }
}
