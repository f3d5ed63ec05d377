using Approvals.Domain;

namespace Approvals.Api.Persistence.Data;

/// <summary>The outbox: one row per service rule of a decision, written in the decision's transaction.</summary>
public sealed class DeliveryJob
{
    public Guid Id { get; set; }

    public Guid ApprovalId { get; set; }

    public Guid DecisionId { get; set; }

    public int ServiceRuleId { get; set; }

    /// <summary>The final status the service is asked to record (3, 4 or 5).</summary>
    public ApprovalStatus RequestedStatus { get; set; }

    public DeliveryState State { get; set; }

    /// <summary>Attempts made over the job's whole life; numbers its attempt log.</summary>
    public int Attempts { get; set; }

    /// <summary>
    /// How many steps of the service rule's retry schedule the current round has used. A manual retry starts a new
    /// round (back to 0) while <see cref="Attempts"/> keeps counting, so attempt numbers stay unique.
    /// </summary>
    public int ScheduleStep { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public ApprovalStatus? ReportedStatus { get; set; }

    public string? LastError { get; set; }

    /// <summary>The stable code of <see cref="LastError"/> (such as <c>delivery.rejected</c>), for the approval's lastError.</summary>
    public string? LastErrorCode { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>
    /// The W3C <c>traceparent</c> of what queued the job (the deciding request's span, or a redelivery's), so that its
    /// attempts continue that trace when they run later (docs/observability.md); null when nothing was being traced.
    /// </summary>
    public string? TraceParent { get; set; }

    public List<DeliveryAttempt> AttemptLog { get; set; } = [];
}

/// <summary>One HTTP call of a delivery job.</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }

    public Guid JobId { get; set; }

    public int Number { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public int DurationMs { get; set; }

    public int? HttpStatus { get; set; }

    public string? Error { get; set; }

    /// <summary>The first kilobyte of the response body.</summary>
    public string? ResponseExcerpt { get; set; }
}
