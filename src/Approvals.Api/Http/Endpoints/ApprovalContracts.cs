using System.Text.Json.Serialization;
using Approvals.Api.Contracts;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// Create an approval. <c>onDeadline</c> (<c>none</c>, <c>reject</c>, <c>cancel</c>; absent or null: the service
/// rules' default) says what happens when the deadline passes while it is PENDING; <c>remindBefore</c> lists ISO 8601
/// durations before the deadline at which an <c>approval.reminder_due</c> event is raised.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateApprovalRequest(
    string? Title,
    string? Description,
    DateTimeOffset? Deadline,
    string? Comment,
    int[]? ServiceRules,
    string? OnDeadline = null,
    string[]? RemindBefore = null,
    ApproverSpec[]? Approvers = null,
    PolicySpec? Policy = null,
    StageSpec[]? Stages = null,
    EscalationSpec? Escalation = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DecisionRequest(string? Decision, string? Comment);

public sealed record ApprovalPage(IReadOnlyList<ApprovalResponse> Items, string? NextCursor);

/// <summary>
/// One entry of an approval's history: one event (<see cref="ApprovalEventRecord"/>). <c>id</c>, <c>action</c>,
/// <c>fromStatus</c>, <c>toStatus</c> and <c>changes</c> keep the shape the history had before events; <c>type</c>,
/// <c>sequence</c> and <c>eventId</c> name the event as the event feed does, and <c>details</c> holds what the type
/// carries besides (the decision, the delivery job and its outcome; docs/events.md).
/// </summary>
public sealed record HistoryEntryResponse(
    long Id,
    DateTimeOffset At,
    string Actor,
    string Action,
    string? FromStatus,
    string? ToStatus,
    System.Text.Json.JsonElement? Changes,
    string? CorrelationId,
    string Type,
    int Sequence,
    Guid EventId,
    Dictionary<string, System.Text.Json.JsonElement>? Details)
{
    public static HistoryEntryResponse From(ApprovalEventRecord record)
    {
        ApprovalEventType? type = ApprovalEventTypes.TryParse(record.Type, out var known) ? known : null;
        var (before, after, changes, details) = ApprovalEventData.ReadForHistory(record.Data, type);
        var action = type?.ToHistoryAction() ?? record.Type;
        return new(record.Position, record.OccurredAt, record.Actor, action, before, after, changes, record.CorrelationId,
            record.Type, record.Sequence, record.Id, details);
    }
}
