using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Persistence;

/// <summary>An event about to be written with the change that raised it (one row of approval_events).</summary>
public sealed record NewApprovalEvent(
    Guid Id,
    Guid ApprovalId,
    int Sequence,
    ApprovalEventType Type,
    DateTimeOffset OccurredAt,
    string Actor,
    string? CorrelationId,
    string DataJson)
{
    public static NewApprovalEvent From(ApprovalEvent raised) => new(
        raised.Id, raised.ApprovalId, raised.Sequence, raised.Type, raised.OccurredAt, raised.Actor, raised.CorrelationId,
        ApprovalEventData.Write(raised));
}

/// <summary>
/// The stored <c>data</c> of an approval event, one shape for every type (docs/events.md):
/// <c>{"statusBefore", "statusAfter", "changes": {"field": {"old", "new"}}}</c> and the type's details
/// (<c>decision</c>, <c>decisionId</c>, <c>jobId</c>, <c>serviceRule</c>, <c>reportedStatus</c>, <c>attempts</c>,
/// <c>errorCode</c>, <c>error</c>, <c>deadline</c>, <c>remindBefore</c>) when set. Written by hand: every change writes one.
/// </summary>
public static class ApprovalEventData
{
    public static string Write(ApprovalEvent raised) => JsonText.Write(raised, static (json, raised) =>
    {
        json.WriteStartObject();
        WriteStatus(json, "statusBefore", raised.StatusBefore);
        WriteStatus(json, "statusAfter", raised.StatusAfter);
        json.WriteStartObject("changes");
        foreach (var change in raised.Changes)
        {
            json.WriteStartObject(change.Field);
            json.WritePropertyName("old");
            WriteValue(json, change.Old);
            json.WritePropertyName("new");
            WriteValue(json, change.New);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        WriteDetails(json, raised.Details);
        json.WriteEndObject();
    });

    /// <summary>
    /// What the history entry shows of an event's data: its statuses, its changed fields (null when none) and the
    /// type's details (everything else; null when none). A redelivery's job is also the change <c>retriedJob</c>
    /// there, as the history recorded it before events (the event names it <c>jobId</c>).
    /// </summary>
    public static (string? StatusBefore, string? StatusAfter, JsonElement? Changes, Dictionary<string, JsonElement>? Details) ReadForHistory(
        JsonDocument data, ApprovalEventType? type)
    {
        var root = data.RootElement;
        var before = root.TryGetProperty("statusBefore", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        var after = root.TryGetProperty("statusAfter", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var changed = root.TryGetProperty("changes", out var c) && c.ValueKind == JsonValueKind.Object;
        JsonElement? changes = changed && c.EnumerateObject().Any() ? c.Clone() : null;
        if (type == ApprovalEventType.Redelivered && root.TryGetProperty("jobId", out var job) && job.ValueKind == JsonValueKind.String)
        {
            var withJob = changed ? JsonObject.Create(c)! : [];
            withJob["retriedJob"] = new JsonObject { ["old"] = null, ["new"] = job.GetString() };
            using var document = JsonDocument.Parse(withJob.ToJsonString());
            changes = document.RootElement.Clone();
        }

        var details = root.EnumerateObject()
            .Where(p => p.Name is not ("statusBefore" or "statusAfter" or "changes"))
            .ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        return (before, after, changes, details.Count == 0 ? null : details);
    }

    private static void WriteDetails(Utf8JsonWriter json, EventDetails details)
    {
        if (details.Decision is { } decision)
        {
            json.WriteString("decision", decision.ToString().ToLowerInvariant());
        }

        if (details.DecisionId is { } decisionId)
        {
            json.WriteString("decisionId", decisionId);
        }

        if (details.JobId is { } jobId)
        {
            json.WriteString("jobId", jobId);
        }

        if (details.ServiceRule is { } rule)
        {
            json.WriteNumber("serviceRule", rule);
        }

        if (details.ReportedStatus is { } reported)
        {
            json.WriteString("reportedStatus", reported.ToWireName());
        }

        if (details.Attempts is { } attempts)
        {
            json.WriteNumber("attempts", attempts);
        }

        if (details.ErrorCode is { } code)
        {
            json.WriteString("errorCode", code);
        }

        if (details.Error is { } error)
        {
            json.WriteString("error", error);
        }

        if (details.Vote is { } vote)
        {
            json.WritePropertyName("vote");
            ApprovalPolicyJson.WriteVote(json, vote);
            json.WriteString("stageName", details.StageName);
            json.WriteString("stageOutcome", (details.StageOutcome ?? StageStanding.Open).ToWireName());
        }

        if (details.Deadline is { } deadline)
        {
            json.WriteString("deadline", deadline);
        }

        if (details.RemindBefore is { } reminder)
        {
            json.WriteString("remindBefore", reminder);
        }
    }

    private static void WriteStatus(Utf8JsonWriter json, string name, ApprovalStatus? status)
    {
        if (status is { } value)
        {
            json.WriteString(name, value.ToWireName());
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>
    /// A <see cref="DeliveryError"/> as JSON, its members named by <paramref name="naming"/>: camelCase as the API shows
    /// it (an event's changes), or as they are (null; the approvals.last_error column, which EF Core maps by name).
    /// </summary>
    public static void WriteDeliveryError(Utf8JsonWriter json, DeliveryError error, JsonNamingPolicy? naming)
    {
        string Name(string member) => naming?.ConvertName(member) ?? member;

        json.WriteStartObject();
        json.WriteString(Name(nameof(DeliveryError.Code)), error.Code);
        json.WriteString(Name(nameof(DeliveryError.Message)), error.Message);
        if (error.ServiceRule is { } rule)
        {
            json.WriteNumber(Name(nameof(DeliveryError.ServiceRule)), rule);
        }
        else
        {
            json.WriteNull(Name(nameof(DeliveryError.ServiceRule)));
        }

        json.WriteString(Name(nameof(DeliveryError.At)), error.At);
        json.WriteEndObject();
    }

    /// <summary>The value types a <see cref="FieldChange"/> holds; the last error in the shape the approval shows it.</summary>
    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string text:
                json.WriteStringValue(text);
                break;
            case DateTimeOffset time:
                json.WriteStringValue(time);
                break;
            case IReadOnlyList<ApprovalStage> stages:
                ApprovalPolicyJson.WriteStages(json, stages);
                break;
            case Escalation escalation:
                ApprovalPolicyJson.WriteEscalation(json, escalation);
                break;
            case IReadOnlyList<int> ids:
                json.WriteStartArray();
                foreach (var id in ids)
                {
                    json.WriteNumberValue(id);
                }

                json.WriteEndArray();
                break;
            case IReadOnlyList<string> texts:
                json.WriteStartArray();
                foreach (var text in texts)
                {
                    json.WriteStringValue(text);
                }

                json.WriteEndArray();
                break;
            case DeliveryError error:
                WriteDeliveryError(json, error, JsonNamingPolicy.CamelCase);
                break;
            default:
                throw new ArgumentException($"An event cannot hold a {value.GetType().Name}.", nameof(value));
        }
    }
}
