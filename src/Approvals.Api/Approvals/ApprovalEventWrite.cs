using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Approvals;

/// <summary>The statement that appends an approval's events, in the batch of the change that raised them.</summary>
internal static class ApprovalEventWrite
{
    // One statement for any number of events (a delivery outcome that resolves the approval raises two).
    private const string InsertSql = """
        INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::jsonb[])
        """;

    public static NpgsqlBatchCommand InsertCommand(IReadOnlyList<ApprovalEvent> raised) =>
        InsertCommand([.. raised.Select(NewApprovalEvent.From)]);

    public static NpgsqlBatchCommand InsertCommand(IReadOnlyList<NewApprovalEvent> events)
    {
        return new NpgsqlBatchCommand(InsertSql)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid[]> { TypedValue = [.. events.Select(e => e.Id)] },
                new NpgsqlParameter<Guid[]> { TypedValue = [.. events.Select(e => e.ApprovalId)] },
                new NpgsqlParameter<int[]> { TypedValue = [.. events.Select(e => e.Sequence)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Type.ToWireName())] },
                new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. events.Select(e => e.OccurredAt)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Actor)] },
                new NpgsqlParameter<string?[]> { TypedValue = [.. events.Select(e => e.CorrelationId)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.DataJson)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            },
        };
    }
}
