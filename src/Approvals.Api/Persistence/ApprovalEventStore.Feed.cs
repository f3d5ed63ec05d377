using System.Text;
using System.Text.Json;
using Approvals.Api.Features;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Persistence;

/// <summary>What one read of the feed asks for. <see cref="After"/> and <see cref="Since"/> are exclusive: a read continues after a cursor or starts at a time.</summary>
public sealed record EventFeedQuery(
    EventCursor? After,
    DateTimeOffset? Since,
    IReadOnlyList<string>? Types,
    Guid? ApprovalId,
    string? CreatedBy,
    int Limit);

/// <param name="HeldBack">
/// Committed events that match exist beyond the page, held back only because an older transaction is still open:
/// they will be served as soon as it ends, so a waiter should look again soon rather than wait for a signal.
/// </param>
public sealed record EventFeedRead(List<CloudEvent> Events, EventCursor? Last, bool HeldBack);

/// <summary>
/// The event feed's side of the approval event store: every statement of the feed, sent through Npgsql directly (a read is one statement; the feed is polled).
/// The feed's order is (transaction_id, position): the writing transaction's id, then the insertion order within it.
/// A read returns only events whose transaction id is below the xmin of its own snapshot: every transaction with a
/// smaller id has ended, so no event can ever appear before the last one served, whatever order transactions
/// commit in. A later event with a larger id is simply served by a later read. See docs/events.md.
/// </summary>
public sealed partial class ApprovalEventStore(NpgsqlDataSource dataSource)
{
    /// <summary>How far event times and transaction ids may disagree at the window's edge (see <see cref="BuildPageSql"/>).</summary>
    private const string WindowEdgeSlack = "1 hour";

    private const string CursorSql = "SELECT e.occurred_at FROM approval_events AS e WHERE e.position = $1 AND e.transaction_id = $2";

    /// <summary>One statement per combination of filters (bit 0: after a cursor, 1: types, 2: approval, 3: creator), so each gets a plan of its own.</summary>
    private static readonly string[] PageSql = [.. Enumerable.Range(0, 16).Select(BuildPageSql)];

    /// <summary>When the event a cursor names happened; null when it names no stored event.</summary>
    public async Task<DateTimeOffset?> FindAsync(EventCursor cursor, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CursorSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cursor.Position });
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = cursor.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetFieldValue<DateTimeOffset>(0) : null;
    }

    /// <summary>Up to <see cref="EventFeedQuery.Limit"/> settled events in feed order, and whether matching events are held back.</summary>
    public async Task<EventFeedRead> ReadAsync(EventFeedQuery query, CancellationToken cancellationToken)
    {
        var shape = (query.After is null ? 0 : 1) | (query.Types is null ? 0 : 2) | (query.ApprovalId is null ? 0 : 4) | (query.CreatedBy is null ? 0 : 8);
        await using var command = dataSource.CreateCommand(PageSql[shape]);
        if (query.After is { } after)
        {
            command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Position });
        }
        else
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = query.Since ?? DateTimeOffset.MinValue });
        }

        if (query.Types is { } types)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. types] });
        }

        if (query.ApprovalId is { } approvalId)
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = approvalId });
        }

        if (query.CreatedBy is { } createdBy)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = createdBy });
        }

        // One row beyond the page: settled, it only means the page is full; not settled, it is held back.
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });

        var events = new List<CloudEvent>(Math.Min(query.Limit, 128));
        EventCursor? last = null;
        var heldBack = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.GetBoolean(2))
            {
                heldBack = true;
                break;
            }

            if (events.Count == query.Limit)
            {
                break;
            }

            last = new EventCursor(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
            var subject = reader.GetGuid(4);
            events.Add(new CloudEvent(
                CloudEvent.SpecVersionValue,
                reader.GetGuid(3),
                CloudEvent.SourceOf(subject),
                reader.GetString(6),
                subject.ToString(),
                reader.GetFieldValue<DateTimeOffset>(7),
                CloudEvent.JsonContentType,
                CloudEvent.SequenceOf(reader.GetInt32(5)),
                reader.GetString(8),
                reader.GetFieldValue<JsonElement>(10))
            {
                CorrelationId = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        }

        return new EventFeedRead(events, last, heldBack);
    }

    private static string BuildPageSql(int shape)
    {
        // The xmin is read once per statement (an InitPlan), from the snapshot the statement reads with.
        var sql = new StringBuilder("""
            SELECT e.transaction_id, e.position, e.transaction_id < h.xmin, e.id, e.approval_id, e.sequence, e.type,
                   e.occurred_at, e.actor, e.correlation_id, e.data
            FROM approval_events AS e
            CROSS JOIN (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) AS h
            """);
        var next = 1;
        string Parameter() => $"${next++}";
        if ((shape & 8) != 0)
        {
            sql.Append("\nJOIN approvals AS a ON a.id = e.approval_id");
        }

        if ((shape & 1) != 0)
        {
            sql.Append($"\nWHERE (e.transaction_id, e.position) > ({Parameter()}, {Parameter()})");
        }
        else
        {
            // The window's first transaction bounds the scan, so a read without a cursor does not walk the whole
            // audit trail before the window. An event's time is taken shortly before its transaction writes, so it
            // orders with transaction ids only roughly: the bound comes from events up to an hour older.
            var since = Parameter();
            sql.Append($"""

                WHERE e.occurred_at >= {since}
                  AND e.transaction_id >= coalesce((SELECT s.transaction_id FROM approval_events AS s
                                                    WHERE s.occurred_at >= {since} - interval '{WindowEdgeSlack}'
                                                    ORDER BY s.occurred_at LIMIT 1), '0'::xid8)
                """);
        }

        if ((shape & 2) != 0)
        {
            sql.Append($"\n  AND e.type = ANY ({Parameter()})");
        }

        if ((shape & 4) != 0)
        {
            sql.Append($"\n  AND e.approval_id = {Parameter()}");
        }

        if ((shape & 8) != 0)
        {
            sql.Append($"\n  AND a.created_by = {Parameter()}");
        }

        sql.Append($"\nORDER BY e.transaction_id, e.position\nLIMIT {Parameter()}");
        return sql.ToString();
    }
}
