using System.Text.Json;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// How many approvals wait in an inbox (<paramref name="Awaiting"/>), how many of them are overdue, how many match the
/// filters of the read (all of them without filters), and the earliest deadline still ahead (null: none), at which the
/// overdue count next changes.
/// </summary>
public sealed record InboxCounts(long Awaiting, long Overdue, long Matching, DateTimeOffset? NextOverdueAt);

/// <summary>
/// One page of an inbox: with the counts when the whole inbox was read; when only a window was walked
/// (<see cref="ApprovalStore.InboxAsync"/>), whether that window held every approval after the cursor that takes votes.
/// </summary>
public sealed record InboxRead(List<ApprovalRecord> Items, InboxCounts? Counts, bool WalkedToTheEnd);

/// <summary>The inbox's read (Sql/ApprovalsInbox.sql explains the statement).</summary>
public sealed partial class ApprovalStore
{
    private static readonly SqlStatement InboxSql = SqlStatement.Get("ApprovalsInbox");

    /// <summary>
    /// Up to <paramref name="limit"/> approvals where one of <paramref name="voters"/> (the caller first, then those who
    /// delegated to the caller) may vote now, after (<paramref name="afterDeadline"/>, <paramref name="afterId"/>), that
    /// name <paramref name="serviceRule"/>, whose title contains <paramref name="titleContains"/> (any case) and whose
    /// deadline has passed or not as <paramref name="overdue"/> says (each null: any). With a <paramref name="window"/>,
    /// only that many approvals that take votes after the cursor are looked at, and nothing is counted.
    /// </summary>
    public async Task<InboxRead> InboxAsync(
        Caller caller, IReadOnlyList<VotingPerson> voters, DateTimeOffset now, DateTimeOffset afterDeadline, Guid afterId, int limit,
        int? serviceRule, string? titleContains, bool? overdue, int? window, CancellationToken cancellationToken)
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
            ("window", new NpgsqlParameter { Value = window is { } size ? size : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer }),
            ("now", Value(now)),
            ("service_rule", new NpgsqlParameter { Value = serviceRule is { } rule ? rule : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer }),
            ("title_contains", Text(titleContains)),
            ("overdue", new NpgsqlParameter { Value = overdue is { } isOverdue ? isOverdue : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean })));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var items = new List<ApprovalRecord>();
        InboxCounts? counts = null;
        long walked = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(0))
            {
                items.Add(ReadApprovalWithRules(reader));
            }

            counts = window is null
                ? new InboxCounts(reader.GetInt64(ApprovalColumnCount + 1), reader.GetInt64(ApprovalColumnCount + 2), reader.GetInt64(ApprovalColumnCount + 3),
                    reader.IsDBNull(ApprovalColumnCount + 4) ? null : reader.GetFieldValue<DateTimeOffset>(ApprovalColumnCount + 4))
                : null;
            walked = reader.GetInt64(ApprovalColumnCount + 5);
        }

        return new InboxRead(items, counts, window is null || walked < window);
    }
}
