using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>An approval a timer loop holds locked, with its due timers (taken) and its rules' <c>onDeadline</c> defaults.</summary>
public sealed record ApprovalWithDueTimers(ApprovalRecord Approval, IReadOnlyList<DeadlineAction?> RuleDefaults, IReadOnlyList<ApprovalTimer> DueTimers);

/// <summary>
/// The approval store's statements of <c>approval_timers</c>: the timers a create or an edit schedules (the create's
/// are part of ApprovalInsert.sql), and a timer loop's claim, which locks approvals with due timers and takes those
/// timers in the loop's transaction.
/// </summary>
public sealed partial class ApprovalStore
{
    private static readonly SqlStatement TimersInsertSql = SqlStatement.Get("ApprovalTimersInsert");
    private static readonly SqlStatement TimersClaimSql = SqlStatement.Get("ApprovalTimersClaim");
    private static readonly SqlStatement ForTimersSql = SqlStatement.Get("ApprovalsForTimers");
    private static readonly SqlStatement TimersFireSql = SqlStatement.Get("ApprovalTimersFire");
    private static readonly SqlStatement TimersNextDueSql = SqlStatement.Get("ApprovalTimersNextDue");

    /// <summary>
    /// In the unit's transaction (its first write): locks up to <paramref name="limit"/> approvals that have timers
    /// due at <paramref name="now"/>, skipping approvals another transaction holds, then reads them and takes (deletes)
    /// their due timers. Whatever the caller then writes commits with the deletion, or neither does.
    /// </summary>
    /// <param name="scan">How many of the earliest due timers the approvals are picked from; more than
    /// <paramref name="limit"/>, so that loops running at once find approvals the others have not locked.</param>
    /// <param name="exclude">Approvals not to claim.</param>
    public static async Task<List<ApprovalWithDueTimers>> ClaimDueTimersAsync(
        UnitOfWork unit, DateTimeOffset now, int limit, int scan, IReadOnlyCollection<Guid> exclude, CancellationToken cancellationToken)
    {
        var locked = new List<Guid>(limit);
        await using (var claim = await unit.CreateBatchAsync(cancellationToken, TimersClaimSql.BatchCommand(
            ("now", Value(now)), ("limit", Value(limit)), ("scan", Value(scan)), ("exclude", Value<Guid[]>([.. exclude])))))
        {
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                locked.Add(reader.GetGuid(0));
            }
        }

        if (locked.Count == 0)
        {
            return [];
        }

        // Read after the locks are held: the rows, the rules and the timers are now the committed ones.
        Guid[] ids = [.. locked];
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            ForTimersSql.BatchCommand(("approval_ids", Value(ids))),
            TimersFireSql.BatchCommand(("approval_ids", Value(ids)), ("now", Value(now))));
        await using var rows = await batch.ExecuteReaderAsync(cancellationToken);
        var approvals = new Dictionary<Guid, (ApprovalRecord Approval, DeadlineAction?[] Defaults)>(ids.Length);
        while (await rows.ReadAsync(cancellationToken))
        {
            var approval = ReadApprovalWithRules(rows);
            var defaults = rows.GetFieldValue<short?[]>(ApprovalColumnCount + 1);
            approvals[approval.Id] = (approval, [.. defaults.Select(d => (DeadlineAction?)d)]);
        }

        await rows.NextResultAsync(cancellationToken);
        var timers = new List<ApprovalTimer>();
        while (await rows.ReadAsync(cancellationToken))
        {
            timers.Add(new ApprovalTimer(
                rows.GetGuid(0), rows.GetGuid(1), (TimerKind)rows.GetInt16(2), rows.GetFieldValue<DateTimeOffset>(3), rows.GetFieldValue<TimeSpan>(4)));
        }

        // Each approval's timers in the order they fell due (reminders before their deadline).
        return [.. timers
            .GroupBy(t => t.ApprovalId)
            .Select(g => new ApprovalWithDueTimers(approvals[g.Key].Approval, approvals[g.Key].Defaults,
                [.. g.OrderBy(t => t.DueAt).ThenBy(t => t.Id)]))];
    }

    /// <summary>When the earliest timer of an approval not in <paramref name="exclude"/> falls due; null when there is none.</summary>
    public async Task<DateTimeOffset?> NextTimerDueAsync(IReadOnlyCollection<Guid> exclude, CancellationToken cancellationToken)
    {
        await using var command = TimersNextDueSql.Bind(dataSource.CreateCommand(TimersNextDueSql.Text), ("exclude", Value<Guid[]>([.. exclude])));
        var due = await command.ExecuteScalarAsync(cancellationToken);
        return due is DateTimeOffset at ? at : due is DateTime utc ? new DateTimeOffset(utc, TimeSpan.Zero) : null;
    }

    /// <summary>The timers an edit scheduled, inserted unless an equal one is stored.</summary>
    private static NpgsqlBatchCommand TimersInsertCommand(Guid approvalId, IReadOnlyList<ApprovalTimer> timers, DateTimeOffset createdAt) =>
        TimersInsertSql.BatchCommand([.. TimerValues(timers), ("approval_id", Value(approvalId)), ("created_at", Value(createdAt))]);

    /// <summary>The timer arrays of ApprovalInsert.sql and ApprovalTimersInsert.sql.</summary>
    private static (string Name, NpgsqlParameter Value)[] TimerValues(IReadOnlyList<ApprovalTimer> timers) =>
    [
        ("timer_ids", Value<Guid[]>([.. timers.Select(t => t.Id)])),
        ("timer_kinds", Value<short[]>([.. timers.Select(t => (short)t.Kind)])),
        ("timer_due_ats", Value<DateTimeOffset[]>([.. timers.Select(t => t.DueAt)])),
        ("timer_deadlines", Value<DateTimeOffset[]>([.. timers.Select(t => t.Deadline)])),
        ("timer_offsets", Value<TimeSpan[]>([.. timers.Select(t => t.BeforeDeadline)])),
    ];

    private static NpgsqlParameter<short?> OnDeadline(DeadlineAction? action) =>
        new() { TypedValue = (short?)action, NpgsqlDbType = NpgsqlDbType.Smallint };
}
