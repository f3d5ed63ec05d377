using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Contracts;

/// <summary>
/// An approval as clients see it: the API's responses and the webhook payload send the same shape.
/// <c>onDeadline</c> is the approval's own (null: its service rules' default applies when the deadline passes).
/// </summary>
public sealed record ApprovalResponse(
    Guid Id,
    string Title,
    string Description,
    string Comment,
    string Status,
    string? PreviousStatus,
    DateTimeOffset Deadline,
    string? OnDeadline,
    IReadOnlyList<string> RemindBefore,
    IReadOnlyList<int> ServiceRules,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Version,
    DeliveryError? LastError,
    IReadOnlyList<DeliveryProgress> Deliveries,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<StageResponse>? Stages = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    EscalationSpec? Escalation = null)
{
    public static ApprovalResponse From(ApprovalRecord approval) => new(
        approval.Id,
        approval.Title,
        approval.Description,
        approval.Comment,
        approval.Status.ToWireName(),
        approval.PreviousStatus?.ToWireName(),
        approval.Deadline,
        approval.OnDeadline?.ToWireName(),
        approval.RemindBefore,
        [.. approval.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId)],
        approval.CreatedBy,
        approval.CreatedAt,
        approval.UpdatedAt,
        approval.Version,
        approval.LastError,
        [.. approval.DeliveryJobs
            .Where(j => j.DecisionId == approval.CurrentDecisionId)
            .OrderBy(j => approval.ServiceRules.FindIndex(r => r.ServiceRuleId == j.ServiceRuleId))
            .Select(DeliveryProgress.From)],
        PolicyContracts.ToResponse(approval.ParsedStages(), approval.OpenStage, approval.ParsedVotes(), approval.Status),
        PolicyContracts.ToResponse(approval.ParsedEscalation()));
}

/// <summary>Where one downstream service stands with the approval's current decision.</summary>
public sealed record DeliveryProgress(
    Guid JobId,
    int ServiceRule,
    string State,
    int Attempts,
    string? ReportedStatus,
    DateTimeOffset? NextAttemptAt,
    string? LastError)
{
    public static DeliveryProgress From(DeliveryJob job) => new(
        job.Id,
        job.ServiceRuleId,
        job.State.ToString().ToLowerInvariant(),
        job.Attempts,
        job.ReportedStatus?.ToWireName(),
        job.State is DeliveryState.Pending or DeliveryState.Sending ? job.NextAttemptAt : null,
        job.LastError);
}
