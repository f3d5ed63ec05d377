using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Domain;

namespace Approvals.Api.Approvals;

/// <summary>An event about to be written with the change that raised it (one row of approval_events).</summary>
public sealed record NewApprovalEvent(
    Guid Id,
    Guid ApprovalId,
    int Sequence,
    ApprovalEventType Type,
    DateTimeOffset OccurredAt,
    string Actor,
    string? CorrelationId,
    string DataJson);

/// <summary>
/// The <c>data</c> of an approval event: the status before and after, the changed fields with their old and new
/// values, and what else the type carries (the decision, the delivery job). One shape for every type, documented in
/// docs/events.md.
/// </summary>
public static class ApprovalEventData
{
    public static string Write(ApprovalStatus? before, ApprovalStatus after, JsonObject? changes, JsonObject? details = null)
    {
        var data = new JsonObject
        {
            ["statusBefore"] = before?.ToWireName(),
            ["statusAfter"] = after.ToWireName(),
            ["changes"] = changes ?? [],
        };
        if (details is not null)
        {
            foreach (var (name, value) in details.ToList())
            {
                details.Remove(name);
                data[name] = value;
            }
        }

        return data.ToJsonString();
    }

    /// <summary>
    /// What the history entry shows of an event's data: its statuses and changed fields. A redelivery's job is the
    /// change <c>retriedJob</c> there, as the history recorded it before events (the event names it <c>jobId</c>).
    /// </summary>
    public static (string? StatusBefore, string? StatusAfter, JsonElement? Changes) ReadForHistory(JsonDocument data, ApprovalEventType? type)
    {
        var root = data.RootElement;
        var before = root.TryGetProperty("statusBefore", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        var after = root.TryGetProperty("statusAfter", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var changed = root.TryGetProperty("changes", out var c) && c.ValueKind == JsonValueKind.Object;
        if (type == ApprovalEventType.Redelivered && root.TryGetProperty("jobId", out var job) && job.ValueKind == JsonValueKind.String)
        {
            var withJob = changed ? JsonObject.Create(c)! : [];
            withJob["retriedJob"] = new JsonObject { ["old"] = null, ["new"] = job.GetString() };
            using var document = JsonDocument.Parse(withJob.ToJsonString());
            return (before, after, document.RootElement.Clone());
        }

        JsonElement? changes = changed && c.EnumerateObject().Any() ? c.Clone() : null;
        return (before, after, changes);
    }
}
