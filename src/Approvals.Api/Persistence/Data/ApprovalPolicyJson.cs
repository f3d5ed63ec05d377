using System.Text.Json;
using Approvals.Domain;

namespace Approvals.Api.Persistence.Data;

/// <summary>
/// The approvals.stages and approvals.votes columns (jsonb), in the shape the API shows them:
/// <c>[{"name", "approvers": [{"user": "bob"} | {"group": "finance"} | {"role": "approver"}], "policy": {"mode", "count"?, "members"?}}]</c>
/// and <c>[{"stage", "seat", "voter", "voterActor", "castBy", "vote", "comment", "castAt"}]</c>. The same writers
/// serve the events' data (a vote, changed stages).
/// </summary>
public static class ApprovalPolicyJson
{
    public static string? WriteStages(IReadOnlyList<ApprovalStage> stages) =>
        stages.Count == 0 ? null : JsonText.Write(stages, WriteStages);

    public static string? WriteVotes(IReadOnlyList<Vote> votes) =>
        votes.Count == 0 ? null : JsonText.Write(votes, static (json, votes) =>
        {
            json.WriteStartArray();
            foreach (var vote in votes)
            {
                WriteVote(json, vote);
            }

            json.WriteEndArray();
        });

    public static string WriteEscalation(Escalation escalation) => JsonText.Write(escalation, WriteEscalation);

    /// <summary><c>{"approvers": […], "extendBy": "PT24H", "then": "reject"}</c>.</summary>
    public static void WriteEscalation(Utf8JsonWriter json, Escalation escalation)
    {
        json.WriteStartObject();
        json.WritePropertyName("approvers");
        WriteApprovers(json, escalation.Approvers);
        json.WriteString("extendBy", escalation.ExtendBy.Text);
        json.WriteString("then", escalation.Then.ToWireName());
        json.WriteEndObject();
    }

    public static Escalation? ReadEscalation(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new Escalation(
            [.. root.GetProperty("approvers").EnumerateArray().Select(ReadApprover)],
            Reminder.Parse(root.GetProperty("extendBy").GetString()!),
            DeadlineActions.TryParse(root.GetProperty("then").GetString(), out var then) ? then : throw new JsonException("Unknown action."));
    }

    private static void WriteApprovers(Utf8JsonWriter json, IReadOnlyList<Approver> approvers)
    {
        json.WriteStartArray();
        foreach (var approver in approvers)
        {
            json.WriteStartObject();
            json.WriteString(approver.Kind.ToWireName(), approver.Name);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    public static void WriteStages(Utf8JsonWriter json, IReadOnlyList<ApprovalStage> stages)
    {
        json.WriteStartArray();
        foreach (var stage in stages)
        {
            json.WriteStartObject();
            json.WriteString("name", stage.Name);
            json.WritePropertyName("approvers");
            WriteApprovers(json, stage.Approvers);
            json.WriteStartObject("policy");
            json.WriteString("mode", stage.Policy.Mode.ToWireName());
            if (stage.Policy.Count is { } count)
            {
                json.WriteNumber("count", count);
            }

            if (stage.Policy.Members)
            {
                json.WriteBoolean("members", true);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    public static void WriteVote(Utf8JsonWriter json, Vote vote)
    {
        json.WriteStartObject();
        json.WriteNumber("stage", vote.Stage);
        json.WriteString("seat", vote.Seat);
        json.WriteString("voter", vote.Voter);
        json.WriteString("voterActor", vote.VoterActor);
        if (vote.CastBy is { } castBy)
        {
            json.WriteString("castBy", castBy);
        }
        else
        {
            json.WriteNull("castBy");
        }

        json.WriteString("vote", vote.Choice.ToWireName());
        json.WriteString("comment", vote.Comment);
        json.WriteString("castAt", vote.CastAt);
        json.WriteEndObject();
    }

    public static IReadOnlyList<ApprovalStage> ReadStages(string? json)
    {
        if (json is null)
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(stage => new ApprovalStage(
            stage.GetProperty("name").GetString()!,
            [.. stage.GetProperty("approvers").EnumerateArray().Select(ReadApprover)],
            ReadPolicy(stage.GetProperty("policy"))))];
    }

    public static IReadOnlyList<Vote> ReadVotes(string? json)
    {
        if (json is null)
        {
            return [];
        }

        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(vote => new Vote(
            vote.GetProperty("stage").GetInt32(),
            vote.GetProperty("seat").GetString()!,
            vote.GetProperty("voter").GetString()!,
            vote.GetProperty("voterActor").GetString()!,
            vote.GetProperty("castBy").GetString(),
            PolicyWireNames.ParseChoice(vote.GetProperty("vote").GetString()) ?? throw new JsonException("Unknown vote."),
            vote.GetProperty("comment").GetString()!,
            vote.GetProperty("castAt").GetDateTimeOffset()))];
    }

    private static Approver ReadApprover(JsonElement approver)
    {
        var property = approver.EnumerateObject().First();
        var kind = property.Name switch
        {
            "user" => ApproverKind.User,
            "group" => ApproverKind.Group,
            "role" => ApproverKind.Role,
            _ => throw new JsonException($"Unknown approver kind '{property.Name}'."),
        };
        return new Approver(kind, property.Value.GetString()!);
    }

    private static StagePolicy ReadPolicy(JsonElement policy) => new(
        PolicyWireNames.ParseMode(policy.GetProperty("mode").GetString()) ?? throw new JsonException("Unknown policy mode."),
        policy.TryGetProperty("count", out var count) ? count.GetInt32() : null,
        policy.TryGetProperty("members", out var members) && members.GetBoolean());
}
