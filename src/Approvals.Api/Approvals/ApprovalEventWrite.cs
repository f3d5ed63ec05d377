using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Approvals;

/// <summary>The statement that appends an approval event, in the batch of the change that raised it.</summary>
internal static class ApprovalEventWrite
{
    private const string InsertSql = """
        INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """;

    public static NpgsqlBatchCommand InsertCommand(NewApprovalEvent recorded) => new(InsertSql)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid> { TypedValue = recorded.Id },
            new NpgsqlParameter<Guid> { TypedValue = recorded.ApprovalId },
            new NpgsqlParameter<int> { TypedValue = recorded.Sequence },
            new NpgsqlParameter<string> { TypedValue = recorded.Type.ToWireName() },
            new NpgsqlParameter<DateTimeOffset> { TypedValue = recorded.OccurredAt },
            new NpgsqlParameter<string> { TypedValue = recorded.Actor },
            new NpgsqlParameter<string?> { TypedValue = recorded.CorrelationId, NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter<string> { TypedValue = recorded.DataJson, NpgsqlDbType = NpgsqlDbType.Jsonb },
        },
    };
}
