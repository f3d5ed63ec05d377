namespace Approvals.Domain;

/// <summary>What a timer does when it comes due. The numbers are stored (approval_timers.kind).</summary>
public enum TimerKind : short
{
    /// <summary>The deadline itself: the approval's <see cref="DeadlineAction"/> is taken.</summary>
    Deadline = 0,

    /// <summary>One of the approval's <c>remindBefore</c>: an <c>approval.reminder_due</c> event.</summary>
    Reminder = 1,
}

/// <summary>
/// A durable timer of one approval (a row of approval_timers): due <see cref="BeforeDeadline"/> ahead of the
/// <see cref="Deadline"/> it was set for (zero for the deadline itself). An approval's timers are keyed by (kind,
/// deadline, before deadline), so scheduling the same one twice keeps one; a timer whose deadline or reminder the
/// approval no longer has is stale and does nothing when it comes due.
/// </summary>
public sealed record ApprovalTimer(Guid Id, Guid ApprovalId, TimerKind Kind, DateTimeOffset Deadline, TimeSpan BeforeDeadline)
{
    public DateTimeOffset DueAt => Deadline - BeforeDeadline;
}

/// <summary>What a timer came to when it fired.</summary>
public enum TimerOutcome
{
    /// <summary>It acted: the deadline's action was taken, or the reminder raised.</summary>
    Acted,

    /// <summary>The approval no longer has its deadline or reminder (moved, changed): nothing happened.</summary>
    Stale,

    /// <summary>Nothing to do: the action is <c>none</c>, the approval is not PENDING, or its deadline passed before a reminder.</summary>
    NothingToDo,
}
