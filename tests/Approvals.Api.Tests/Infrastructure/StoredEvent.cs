using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>A stored approval event as the tests look at it: its type, its history action and its statuses.</summary>
public sealed record StoredEvent(ApprovalEventRecord Record)
{
    public ApprovalEventType Type => ApprovalEventTypes.TryParse(Record.Type, out var type)
        ? type
        : throw new InvalidOperationException($"Unknown event type {Record.Type}.");

    public string Action => Type.ToHistoryAction();

    public string Actor => Record.Actor;

    public int Sequence => Record.Sequence;

    /// <summary>The changed fields, <c>{"field": {"old", "new"}}</c>.</summary>
    public System.Text.Json.JsonElement Changes => Record.Data.RootElement.GetProperty("changes");

    public ApprovalStatus? FromStatus => Status("statusBefore");

    public ApprovalStatus? ToStatus => Status("statusAfter");

    private ApprovalStatus? Status(string name) =>
        Record.Data.RootElement.TryGetProperty(name, out var value) && ApprovalStatusNames.TryParse(value.GetString(), out var status)
            ? status
            : null;
}

/// <summary>The history endpoint's action names.</summary>
public static class HistoryActions
{
    public static readonly string Created = ApprovalEventType.Created.ToHistoryAction();
    public static readonly string Edited = ApprovalEventType.Edited.ToHistoryAction();
    public static readonly string Decided = ApprovalEventType.Decided.ToHistoryAction();
}
