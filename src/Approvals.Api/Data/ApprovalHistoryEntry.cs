using System.Text.Json;
using Approvals.Domain;

namespace Approvals.Api.Data;

/// <summary>One change to an approval. The table is append-only: a trigger refuses UPDATE and DELETE.</summary>
public sealed class ApprovalHistoryEntry
{
    public long Id { get; set; }

    public Guid ApprovalId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Actor { get; set; }

    public required string Action { get; set; }

    public ApprovalStatus? FromStatus { get; set; }

    public ApprovalStatus? ToStatus { get; set; }

    /// <summary>Changed fields as <c>{"field": {"old": ..., "new": ...}}</c>.</summary>
    public JsonDocument? Changes { get; set; }

    public string? CorrelationId { get; set; }
}

public static class HistoryActions
{
    public const string Created = "created";
    public const string Edited = "edited";
    public const string Decided = "decided";
    public const string StatusChanged = "status_changed";
    public const string Redelivered = "redelivered";
}
