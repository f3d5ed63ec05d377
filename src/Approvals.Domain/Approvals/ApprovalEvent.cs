namespace Approvals.Domain;

/// <summary>
/// Something that happened to an approval, raised by the <see cref="Approval"/> aggregate and stored in the same
/// transaction as the change (approval_events): the history's entries and the event feed's items.
/// </summary>
/// <param name="Sequence">1, 2, 3, … per approval without gaps: the approval's version right after the event.</param>
/// <param name="Changes">The fields the event changed, with old and new values, in a stable order.</param>
public sealed record ApprovalEvent(
    Guid Id,
    Guid ApprovalId,
    int Sequence,
    ApprovalEventType Type,
    DateTimeOffset OccurredAt,
    string Actor,
    string? CorrelationId,
    ApprovalStatus? StatusBefore,
    ApprovalStatus StatusAfter,
    IReadOnlyList<FieldChange> Changes,
    EventDetails Details);

/// <summary>
/// One changed field. Values are strings, timestamps, lists of service rule ids or a <see cref="DeliveryError"/>;
/// null means "not set".
/// </summary>
public sealed record FieldChange(string Field, object? Old, object? New);

/// <summary>What a type carries beyond statuses and changes; unset members are left out of the stored data.</summary>
public sealed record EventDetails
{
    public static readonly EventDetails None = new();

    /// <summary>The decision taken (<see cref="ApprovalEventType.Decided"/>).</summary>
    public Decision? Decision { get; init; }

    /// <summary>The decision whose delivery the event is about.</summary>
    public Guid? DecisionId { get; init; }

    /// <summary>The delivery job (delivery outcomes, redelivery).</summary>
    public Guid? JobId { get; init; }

    public int? ServiceRule { get; init; }

    /// <summary>The final status the service reported (<see cref="ApprovalEventType.DeliverySucceeded"/>).</summary>
    public ApprovalStatus? ReportedStatus { get; init; }

    /// <summary>Attempts the job made (delivery outcomes).</summary>
    public int? Attempts { get; init; }

    /// <summary>Why the job failed (<see cref="ApprovalEventType.DeliveryFailed"/>).</summary>
    public string? ErrorCode { get; init; }

    public string? Error { get; init; }

    /// <summary>The vote cast (<see cref="ApprovalEventType.VoteCast"/>), the stage's name and where it stands after it.</summary>
    public Vote? Vote { get; init; }

    public string? StageName { get; init; }

    public StageStanding? StageOutcome { get; init; }

    /// <summary>
    /// The deadline a timer acted for: the one that passed (<see cref="ApprovalEventType.Decided"/> by
    /// <c>system:deadline</c>) or the one a reminder is about (<see cref="ApprovalEventType.ReminderDue"/>).
    /// </summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Which reminder came due, as the approval's <c>remindBefore</c> writes it (<see cref="ApprovalEventType.ReminderDue"/>).</summary>
    public string? RemindBefore { get; init; }
}
