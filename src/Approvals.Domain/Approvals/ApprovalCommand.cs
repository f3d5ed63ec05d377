namespace Approvals.Domain;

/// <summary>
/// Everything that can happen to an existing approval. Each command is a column of the transition table;
/// commands that depend on a decision are spelled out per decision so the table stays a plain lookup.
/// </summary>
public enum ApprovalCommand
{
    /// <summary>A user changes title, description, deadline or service rules (a comment may come with it).</summary>
    EditDetails,

    /// <summary>A user changes only the comment.</summary>
    EditComment,

    Approve,
    Reject,
    Cancel,

    /// <summary>The dispatcher: every downstream service accepted and reported APPROVED.</summary>
    DeliveredApproved,
    DeliveredRejected,
    DeliveredCancelled,

    /// <summary>The dispatcher: a delivery failed permanently, ran out of retries, or the services disagreed.</summary>
    DeliveryFailed,

    /// <summary>A named approver votes in the open stage; the status stays PENDING (a vote that settles the policy decides).</summary>
    Vote,

    /// <summary>An admin sends the failed jobs of an approved decision again.</summary>
    RedeliverApproval,
    RedeliverRejection,
    RedeliverCancellation,

    /// <summary>The deadline passed with <c>onDeadline: reject</c>: rejected by <c>system:deadline</c>.</summary>
    DeadlineReject,

    /// <summary>The deadline passed with <c>onDeadline: cancel</c>: cancelled by <c>system:deadline</c>.</summary>
    DeadlineCancel,

    /// <summary>A reminder of the deadline came due: an event, the status unchanged.</summary>
    Remind,

    /// <summary>The deadline passed with <c>onDeadline: escalate</c>: more approvers and more time, still PENDING.</summary>
    DeadlineEscalate,
}

public enum CommandActor
{
    User,
    System,
}

public static class ApprovalCommandInfo
{
    public static IReadOnlyList<ApprovalCommand> All { get; } = Enum.GetValues<ApprovalCommand>();

    public static CommandActor Actor(this ApprovalCommand command) => command switch
    {
        ApprovalCommand.DeliveredApproved or ApprovalCommand.DeliveredRejected or ApprovalCommand.DeliveredCancelled
            or ApprovalCommand.DeliveryFailed or ApprovalCommand.DeadlineReject or ApprovalCommand.DeadlineCancel
            or ApprovalCommand.Remind or ApprovalCommand.DeadlineEscalate => CommandActor.System,
        _ => CommandActor.User,
    };

    /// <summary>snake_case name used in the JSON form of the table and in history rows.</summary>
    public static string ToWireName(this ApprovalCommand command) => command switch
    {
        ApprovalCommand.EditDetails => "edit_details",
        ApprovalCommand.EditComment => "edit_comment",
        ApprovalCommand.Approve => "approve",
        ApprovalCommand.Reject => "reject",
        ApprovalCommand.Cancel => "cancel",
        ApprovalCommand.DeliveredApproved => "delivered_approved",
        ApprovalCommand.DeliveredRejected => "delivered_rejected",
        ApprovalCommand.DeliveredCancelled => "delivered_cancelled",
        ApprovalCommand.DeliveryFailed => "delivery_failed",
        ApprovalCommand.Vote => "vote",
        ApprovalCommand.RedeliverApproval => "redeliver_approval",
        ApprovalCommand.RedeliverRejection => "redeliver_rejection",
        ApprovalCommand.RedeliverCancellation => "redeliver_cancellation",
        ApprovalCommand.DeadlineReject => "deadline_reject",
        ApprovalCommand.DeadlineCancel => "deadline_cancel",
        ApprovalCommand.DeadlineEscalate => "deadline_escalate",
        ApprovalCommand.Remind => "remind",
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
    };

    /// <summary>The command the dispatcher fires when every service reported <paramref name="reported"/>.</summary>
    public static ApprovalCommand? DeliveredCommandFor(ApprovalStatus reported) => reported switch
    {
        ApprovalStatus.Approved => ApprovalCommand.DeliveredApproved,
        ApprovalStatus.Rejected => ApprovalCommand.DeliveredRejected,
        ApprovalStatus.Cancelled => ApprovalCommand.DeliveredCancelled,
        _ => null,
    };

    /// <summary>The command that sends a decision's deliveries again.</summary>
    public static ApprovalCommand RedeliverCommandFor(Decision decision) => decision switch
    {
        Decision.Approve => ApprovalCommand.RedeliverApproval,
        Decision.Reject => ApprovalCommand.RedeliverRejection,
        Decision.Cancel => ApprovalCommand.RedeliverCancellation,
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, null),
    };
}
