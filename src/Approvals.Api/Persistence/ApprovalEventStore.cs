using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// All SQL of <c>approval_events</c>, the append-only outbox every change writes in its own transaction: appending a
/// change's events (here, in the change's batch) and reading the event feed (ApprovalEventStore.Feed.cs). The
/// history reads the table through EF Core (ApprovalQueries).
/// </summary>
public sealed partial class ApprovalEventStore
{
    private static readonly SqlStatement AppendSql = SqlStatement.Get("ApprovalEventsAppend");

    /// <summary>Appends the events a change raised, in one statement, in the change's batch.</summary>
    public static NpgsqlBatchCommand AppendCommand(IReadOnlyList<ApprovalEvent> raised) =>
        AppendCommand([.. raised.Select(NewApprovalEvent.From)]);

    public static NpgsqlBatchCommand AppendCommand(IReadOnlyList<NewApprovalEvent> events) => AppendSql.BatchCommand(
        ("ids", Value<Guid[]>([.. events.Select(e => e.Id)])),
        ("approval_ids", Value<Guid[]>([.. events.Select(e => e.ApprovalId)])),
        ("sequences", Value<int[]>([.. events.Select(e => e.Sequence)])),
        ("types", Value<string[]>([.. events.Select(e => e.Type.ToWireName())])),
        ("occurred_ats", Value<DateTimeOffset[]>([.. events.Select(e => e.OccurredAt)])),
        ("actors", Value<string[]>([.. events.Select(e => e.Actor)])),
        ("correlation_ids", new NpgsqlParameter<string?[]> { TypedValue = [.. events.Select(e => e.CorrelationId)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text }),
        ("datas", new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.DataJson)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb }));
}
