using Approvals.Domain;

namespace Approvals.Api.Persistence.Data;

/// <summary>
/// An approval as stored (EF Core's model, and what reads return). Its rules live in the domain's <c>Approval</c>
/// aggregate, which changes are made through.
/// </summary>
public sealed class ApprovalRecord
{
    public Guid Id { get; set; }

    public required string Title { get; set; }

    public required string Description { get; set; }

    public string Comment { get; set; } = "";

    public ApprovalStatus Status { get; set; }

    public ApprovalStatus? PreviousStatus { get; set; }

    public DateTimeOffset Deadline { get; set; }

    /// <summary>The approval's own <c>onDeadline</c>; null follows its service rules' default when the deadline passes.</summary>
    public DeadlineAction? OnDeadline { get; set; }

    /// <summary>The reminders before the deadline, as ISO 8601 durations the way the client wrote them.</summary>
    public string[] RemindBefore { get; set; } = [];

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set by a database trigger on every update.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Optimistic-concurrency token, incremented on every change; it is the ETag.</summary>
    public int Version { get; set; }

    /// <summary>The decision whose delivery jobs count; a new decision supersedes the jobs of the old one.</summary>
    public Guid? CurrentDecisionId { get; set; }

    /// <summary>Why the approval is in ERROR, when a delivery put it there.</summary>
    public DeliveryError? LastError { get; set; }

    /// <summary>The approvers and policy as stages (jsonb, <see cref="ApprovalPolicyJson"/>); null when none are named.</summary>
    public string? Stages { get; set; }

    /// <summary>The index of the stage whose approvers vote now (or voted last); null without stages.</summary>
    public short? OpenStage { get; set; }

    /// <summary>
    /// The seats of the open stage (<c>user:bob</c>, <c>group:finance</c>, <c>role:approver</c>) while the approval is
    /// PENDING, else null: who may vote now, indexed for the inbox. Written, never read back.
    /// </summary>
    public string[]? OpenSeats { get; set; }

    /// <summary>What <c>onDeadline: escalate</c> does (jsonb, <see cref="ApprovalPolicyJson"/>); null otherwise.</summary>
    public string? Escalation { get; set; }

    /// <summary>Every vote cast, in order (jsonb, <see cref="ApprovalPolicyJson"/>); null before the first.</summary>
    public string? Votes { get; set; }

    /// <summary>The approval's service rules, in the order the client gave them.</summary>
    public List<ApprovalServiceRule> ServiceRules { get; set; } = [];

    public List<DeliveryJob> DeliveryJobs { get; set; } = [];

    public List<ApprovalTimerRecord> Timers { get; set; } = [];
}
