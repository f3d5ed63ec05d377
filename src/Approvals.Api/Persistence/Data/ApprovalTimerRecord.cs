using Approvals.Domain;

namespace Approvals.Api.Persistence.Data;

/// <summary>
/// A durable timer of an approval (the domain's <see cref="ApprovalTimer"/>): its deadline, or a reminder before it.
/// Written with the change that scheduled it; deleted by the transaction that fires it (ApprovalTimersFire.sql).
/// </summary>
public sealed class ApprovalTimerRecord
{
    public Guid Id { get; set; }

    public Guid ApprovalId { get; set; }

    public TimerKind Kind { get; set; }

    /// <summary>When it fires: <see cref="Deadline"/> less <see cref="BeforeDeadline"/>.</summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>The deadline it was set for; once the approval's deadline differs, the timer is stale.</summary>
    public DateTimeOffset Deadline { get; set; }

    /// <summary>Zero for the deadline itself; a reminder's <c>remindBefore</c>.</summary>
    public TimeSpan BeforeDeadline { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
