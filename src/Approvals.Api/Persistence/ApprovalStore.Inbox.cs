using System.Text.Json;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// One page of an inbox, with the counts over all of it (<paramref name="AwaitingMe"/>, <paramref name="Overdue"/>) and
/// the number of its approvals that match the filters (<paramref name="Matching"/>; all of them without filters).
/// </summary>
public sealed record InboxRead(List<ApprovalRecord> Items, long AwaitingMe, long Overdue, long Matching);

/// <summary>The inbox's read (Sql/ApprovalsInbox.sql explains the statement).</summary>
public sealed partial class ApprovalStore
{
    private static readonly SqlStatement InboxSql = SqlStatement.Get("ApprovalsInbox");

    /// <summary>
    /// Up to <paramref name="limit"/> approvals where one of <paramref name="voters"/> (the caller first, then those who
    /// delegated to the caller) may vote now, after (<paramref name="afterDeadline"/>, <paramref name="afterId"/>), that
    /// name <paramref name="serviceRule"/>, whose title contains <paramref name="titleContains"/> (any case) and whose
    /// deadline has passed or not as <paramref name="overdue"/> says (each null: any).
    /// </summary>
    public async Task<InboxRead> InboxAsync(
        Caller caller, IReadOnlyList<VotingPerson> voters, DateTimeOffset now, DateTimeOffset afterDeadline, Guid afterId, int limit,
        int? serviceRule, string? titleContains, bool? overdue, CancellationToken cancellationToken)
    {
        var seats = voters.Select(v => (v.Username, v.Actor, v.Seats)).ToList();
        var votersJson = JsonSerializer.Serialize(seats.Select(v => new Dictionary<string, object>
        {
            ["username"] = v.Username,
            ["actor"] = v.Actor,
            ["seats"] = v.Seats,
        }));
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(InboxSql.BatchCommand(
            ("voters", new NpgsqlParameter<string> { TypedValue = votersJson, NpgsqlDbType = NpgsqlDbType.Jsonb }),
            ("all_seats", Value<string[]>([.. seats.SelectMany(v => v.Seats).Distinct(StringComparer.Ordinal)])),
            ("caller_actor", Value(caller.Actor)),
            ("after_deadline", Value(afterDeadline)),
            ("after_id", Value(afterId)),
            ("limit", Value(limit)),
            ("now", Value(now)),
            ("service_rule", new NpgsqlParameter { Value = serviceRule is { } rule ? rule : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer }),
            ("title_contains", Text(titleContains)),
            ("overdue", new NpgsqlParameter { Value = overdue is { } isOverdue ? isOverdue : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean })));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var items = new List<ApprovalRecord>();
        long awaiting = 0, overdueCount = 0, matching = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(0))
            {
                items.Add(ReadApprovalWithRules(reader));
            }

            awaiting = reader.GetInt64(ApprovalColumnCount + 1);
            overdueCount = reader.GetInt64(ApprovalColumnCount + 2);
            matching = reader.GetInt64(ApprovalColumnCount + 3);
        }

        return new InboxRead(items, awaiting, overdueCount, matching);
    }
}
