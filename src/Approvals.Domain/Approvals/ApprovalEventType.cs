namespace Approvals.Domain;

/// <summary>
/// The catalogue of what can happen to an approval. Every change writes exactly one event of these types (a delivery
/// outcome that resolves the approval writes two: the outcome, then the resolution). The wire names are part of the
/// public contract: the event feed's CloudEvents <c>type</c> and the history's <c>type</c> (docs/events.md).
/// </summary>
public enum ApprovalEventType
{
    /// <summary>A new approval, PENDING; its changes hold every field's first value.</summary>
    Created,

    /// <summary>Title, description, deadline or service rules changed (the comment may have changed with them).</summary>
    Edited,

    /// <summary>Only the comment changed.</summary>
    CommentEdited,

    /// <summary>Approve, reject or cancel: PENDING or ERROR to ACKNOWLEDGED_*; the delivery jobs were queued.</summary>
    Decided,

    /// <summary>One downstream service accepted the decision (its job succeeded).</summary>
    DeliverySucceeded,

    /// <summary>One downstream service's job failed for good (refused, or out of retries).</summary>
    DeliveryFailed,

    /// <summary>An admin sent a failed job again: ERROR back to ACKNOWLEDGED_*.</summary>
    Redelivered,

    /// <summary>Every downstream service accepted: ACKNOWLEDGED_* to APPROVED, REJECTED or CANCELLED.</summary>
    Resolved,

    /// <summary>A delivery failed or the services disagreed: ACKNOWLEDGED_* to ERROR, with lastError set.</summary>
    Errored,

    /// <summary>An approver voted in the open stage (PENDING stays PENDING); a decided event follows when it settled the policy.</summary>
    VoteCast,

    /// <summary>One of the approval's <c>remindBefore</c> came due while it was PENDING; the status is unchanged.</summary>
    ReminderDue,

    /// <summary>The deadline passed with <c>onDeadline: escalate</c>: approvers added, the deadline moved on; still PENDING.</summary>
    Escalated,
}

public static class ApprovalEventTypes
{
    private static readonly string[] WireNames =
    [
        "approval.created", "approval.edited", "approval.comment_edited", "approval.decided",
        "approval.delivery_succeeded", "approval.delivery_failed", "approval.redelivered", "approval.resolved",
        "approval.errored", "approval.vote_cast", "approval.reminder_due", "approval.escalated",
    ];

    public static IReadOnlyList<ApprovalEventType> All { get; } = Enum.GetValues<ApprovalEventType>();

    /// <summary>The type's name on the wire, such as <c>approval.decided</c>.</summary>
    public static string ToWireName(this ApprovalEventType type) => WireNames[(int)type];

    public static bool TryParse(string? value, out ApprovalEventType type)
    {
        var index = Array.IndexOf(WireNames, value);
        type = index < 0 ? default : (ApprovalEventType)index;
        return index >= 0;
    }

    /// <summary>
    /// The history entry's <c>action</c>, as the history endpoint named changes before events existed; kept so its
    /// clients keep working. The event's own type is the finer name.
    /// </summary>
    public static string ToHistoryAction(this ApprovalEventType type) => type switch
    {
        ApprovalEventType.Created => "created",
        ApprovalEventType.Edited or ApprovalEventType.CommentEdited => "edited",
        ApprovalEventType.Decided => "decided",
        ApprovalEventType.Redelivered => "redelivered",
        ApprovalEventType.Resolved or ApprovalEventType.Errored => "status_changed",
        ApprovalEventType.DeliverySucceeded => "delivery_succeeded",
        ApprovalEventType.DeliveryFailed => "delivery_failed",
        ApprovalEventType.VoteCast => "voted",
        ApprovalEventType.ReminderDue => "reminder_due",
        ApprovalEventType.Escalated => "escalated",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
