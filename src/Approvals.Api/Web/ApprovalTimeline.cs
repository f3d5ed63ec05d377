using System.Globalization;
using System.Text.Json;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>
/// One event of the timeline: who did what when, the comment of a vote, and each changed field old → new.
/// <paramref name="Sequence"/> is the approval's version after the event; <paramref name="Actor"/> as history records it.
/// </summary>
public sealed record TimelineEntry(
    int Sequence, ApprovalEventType? Type, string Actor, string Who, DateTimeOffset At, string What, string? Comment, IReadOnlyList<TimelineChange> Changes);

/// <summary>A changed field in words: its label and its old and new value ("none" when unset).</summary>
public sealed record TimelineChange(string Field, string Old, string New);

/// <summary>
/// The approval's history (its events, <see cref="Features.ApprovalQueries.HistoryAsync"/>) in words: the same data
/// as <c>GET /api/v1/approvals/{id}/history</c>, read by <see cref="ApprovalEventData.ReadForHistory"/>.
/// </summary>
public static class ApprovalTimeline
{
    private const int MaxValueLength = 300;

    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        ["title"] = "Title",
        ["description"] = "Description",
        ["comment"] = "Comment",
        ["deadline"] = "Deadline",
        ["serviceRules"] = "Services",
        ["onDeadline"] = "When the deadline passes",
        ["remindBefore"] = "Reminders before the deadline",
        ["stages"] = "Approvers",
        ["escalation"] = "Escalation",
        ["lastError"] = "Delivery error",
        ["openStage"] = "Open stage",
    };

    public static IReadOnlyList<TimelineEntry> From(
        IReadOnlyList<ApprovalEventRecord> events, IReadOnlyDictionary<string, string> names, IReadOnlyDictionary<int, string> services) =>
        [.. events.Select(e => Entry(e, names, services))];

    private static TimelineEntry Entry(ApprovalEventRecord record, IReadOnlyDictionary<string, string> names, IReadOnlyDictionary<int, string> services)
    {
        ApprovalEventType? type = ApprovalEventTypes.TryParse(record.Type, out var known) ? known : null;
        var (before, after, changes, details) = ApprovalEventData.ReadForHistory(record.Data, type);
        var detail = details ?? [];
        string? Text(string name) => detail.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        string Service() => detail.TryGetValue("serviceRule", out var rule) && rule.TryGetInt32(out var id) ? ServiceName(id, services) : "a service";
        int? attempts = detail.TryGetValue("attempts", out var a) && a.TryGetInt32(out var n) ? n : null;
        string? comment = null;

        var what = type switch
        {
            ApprovalEventType.Created => "created the request",
            ApprovalEventType.Edited => "edited the request",
            ApprovalEventType.CommentEdited => "changed the comment",
            ApprovalEventType.Decided when DecisionExtensions.TryParse(Text("decision"), out var decision) =>
                Text("deadline") is null ? $"{decision.PastTense()} the request" : $"{decision.PastTense()} the request: its deadline passed",
            ApprovalEventType.Decided => "decided the request",
            ApprovalEventType.VoteCast => Voted(detail, Text("stageName"), names, out comment),
            ApprovalEventType.DeliverySucceeded => $"delivered the decision to {Service()}",
            ApprovalEventType.DeliveryFailed =>
                $"could not deliver the decision to {Service()}{(attempts is { } tries ? $" after {Plural(tries, "attempt")}" : "")}: {Text("error") ?? "it failed"}",
            ApprovalEventType.Redelivered => $"sent the decision to {Service()} again",
            ApprovalEventType.Resolved => "recorded that every service has the decision",
            ApprovalEventType.Errored => "recorded that the delivery failed",
            ApprovalEventType.ReminderDue => Reminder.TryParse(Text("remindBefore"), out var reminder)
                ? $"sent a reminder: {ApprovalWords.Duration(reminder.Before)} before the deadline"
                : "sent a reminder",
            ApprovalEventType.Escalated => "escalated the request: its deadline passed",
            _ => record.Type,
        };

        var lines = new List<TimelineChange>();
        if (before is not null && after is not null && before != after)
        {
            lines.Add(new("Status", StatusWords(before), StatusWords(after)));
        }

        // A new request's fields are shown on the page itself; listing them as "none → value" says nothing more.
        if (changes is { } changed && type != ApprovalEventType.Created)
        {
            lines.AddRange(changed.EnumerateObject()
                .Where(p => Labels.ContainsKey(p.Name))
                .Select(p => new TimelineChange(Labels[p.Name], Value(p.Name, p.Value.GetProperty("old"), services), Value(p.Name, p.Value.GetProperty("new"), services))));
        }

        return new TimelineEntry(record.Sequence, type, record.Actor, names.GetValueOrDefault(record.Actor) ?? record.Actor, record.OccurredAt, what, comment, lines);
    }

    /// <summary>"voted to approve in the stage 'manager'", and "for bob" when a delegate cast bob's vote.</summary>
    private static string Voted(Dictionary<string, JsonElement> detail, string? stageName, IReadOnlyDictionary<string, string> names, out string? comment)
    {
        comment = null;
        if (!detail.TryGetValue("vote", out var vote) || vote.ValueKind != JsonValueKind.Object)
        {
            return "voted";
        }

        var choice = vote.TryGetProperty("vote", out var v) ? v.GetString() : null;
        var voter = vote.TryGetProperty("voter", out var who) ? who.GetString() : null;
        var castBy = vote.TryGetProperty("castBy", out var by) && by.ValueKind == JsonValueKind.String ? by.GetString() : null;
        comment = vote.TryGetProperty("comment", out var c) && c.GetString() is { Length: > 0 } text ? text : null;
        var forWhom = castBy is not null && voter is not null ? $" for {voter}" : "";
        var stage = stageName is null ? "" : $" in the stage '{stageName}'";
        return $"voted to {(choice == "reject" ? "reject" : "approve")}{forWhom}{stage}";
    }

    private static string Value(string field, JsonElement value, IReadOnlyDictionary<int, string> services) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "none",
        JsonValueKind.String when field == "deadline" && value.TryGetDateTimeOffset(out var at) => WebFormat.Moment(at),
        JsonValueKind.String => Shorten(value.GetString()!),
        JsonValueKind.Array when field == "serviceRules" =>
            string.Join(", ", value.EnumerateArray().Select(id => id.TryGetInt32(out var rule) ? ServiceName(rule, services) : id.ToString())),
        JsonValueKind.Array when field == "stages" => string.Join("; ", ApprovalPolicyJson.ReadStages(value.GetRawText()).Select(ApprovalWords.Stage)),
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(item => item.ToString())),
        JsonValueKind.Object when field == "escalation" && ApprovalPolicyJson.ReadEscalation(value.GetRawText()) is { } escalation =>
            $"add {string.Join(", ", escalation.Approvers.Select(a => ApprovalWords.Approver(a, countsMembers: false)))}, "
            + $"extend the deadline by {ApprovalWords.Duration(escalation.ExtendBy.Before)}, then {escalation.Then.ToWireName()}",
        JsonValueKind.Object when value.TryGetProperty("message", out var message) => Shorten(message.GetString() ?? ""),
        _ => Shorten(value.GetRawText()),
    };

    private static string StatusWords(string wireName) =>
        ApprovalStatusNames.TryParse(wireName, out var status) ? WebFormat.Status(status) : wireName;

    private static string ServiceName(int id, IReadOnlyDictionary<int, string> services) =>
        services.GetValueOrDefault(id) ?? string.Create(CultureInfo.InvariantCulture, $"service rule {id}");

    private static string Shorten(string text) => text.Length == 0 ? "none" : text.Length <= MaxValueLength ? text : text[..MaxValueLength] + "…";

    private static string Plural(int count, string unit) => count == 1 ? $"1 {unit}" : string.Create(CultureInfo.InvariantCulture, $"{count} {unit}s");
}
