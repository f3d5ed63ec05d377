using System.Text.Json.Serialization;
using Approvals.Domain;

namespace Approvals.Api.Contracts;

/// <summary>One approver entry: exactly one of <c>user</c>, <c>group</c> or <c>role</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ApproverSpec(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? User = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Group = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null);

/// <summary>How many approvers must approve: <c>any</c>, <c>all</c> or <c>atLeast</c> with a count; <c>members</c> counts each group member.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PolicySpec(
    string? Mode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Count = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Members = null);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StageSpec(string? Name, ApproverSpec[]? Approvers, PolicySpec? Policy);

/// <summary>What <c>onDeadline: escalate</c> does: approvers to add, how long to extend by (ISO 8601), and the action after (default none).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record EscalationSpec(ApproverSpec[]? Approvers, string? ExtendBy, string? Then = null);

/// <summary>A vote body: <c>approve</c> or <c>reject</c>, an optional comment, and whom it is cast for when a delegate casts it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record VoteRequestBody(string? Vote, string? Comment, string? OnBehalfOf);

/// <summary>A stage as the approval shows it: <c>state</c> is <c>approved</c>, <c>open</c>, <c>closed</c> (decided while open) or <c>waiting</c>.</summary>
public sealed record StageResponse(string Name, IReadOnlyList<ApproverSpec> Approvers, PolicySpec Policy, string State, IReadOnlyList<VoteResponse> Votes);

/// <summary>A vote: whose it is (<c>voter</c>), who cast it when a delegate did (<c>castBy</c>), and the seat it filled.</summary>
public sealed record VoteResponse(string Voter, string? CastBy, string Vote, string Comment, DateTimeOffset CastAt, string Seat);

/// <summary>Between the request and response shapes of approvers and policies and the domain's stages.</summary>
public static class PolicyContracts
{
    /// <summary>
    /// The stages a create or edit asks for: <c>approvers</c> (+ <c>policy</c>, default <c>any</c>) as one stage, or
    /// <c>stages</c>; null when neither is given. Shape errors go to <paramref name="errors"/>.
    /// </summary>
    public static (IReadOnlyList<ApprovalStage>? Stages, string Field) ToStages(
        ApproverSpec[]? approvers, PolicySpec? policy, StageSpec[]? stages, FieldErrors errors)
    {
        if (stages is not null)
        {
            if (approvers is not null || policy is not null)
            {
                errors.Add("stages", "Give either approvers (with a policy) or stages, not both.");
                return (null, "stages");
            }

            var result = new List<ApprovalStage>(stages.Length);
            for (var i = 0; i < stages.Length; i++)
            {
                var stage = stages[i];
                if (stage is null)
                {
                    errors.Add($"stages[{i}]", "A stage is an object with a name, approvers and a policy.");
                    continue;
                }

                result.Add(new ApprovalStage(stage.Name ?? "", ToApprovers(stage.Approvers, $"stages[{i}].approvers", errors),
                    ToPolicy(stage.Policy, $"stages[{i}].policy", errors)));
            }

            return (result, "stages");
        }

        if (approvers is null)
        {
            if (policy is not null)
            {
                errors.Add("policy", "A policy needs approvers.");
            }

            return (null, "approvers");
        }

        return ([new ApprovalStage(PolicyRules.DefaultStageName, ToApprovers(approvers, "approvers", errors), ToPolicy(policy, "policy", errors))], "approvers");
    }

    public static IReadOnlyList<StageResponse>? ToResponse(IReadOnlyList<ApprovalStage> stages, int? openStage, IReadOnlyList<Vote> votes, ApprovalStatus status)
    {
        if (stages.Count == 0)
        {
            return null;
        }

        return [.. stages.Select((stage, index) => new StageResponse(
            stage.Name,
            [.. stage.Approvers.Select(ToSpec)],
            new PolicySpec(stage.Policy.Mode.ToWireName(), stage.Policy.Count, stage.Policy.Members ? true : null),
            index < openStage ? "approved" : index > openStage ? "waiting" : PolicyRules.TakesVotes(status) ? "open" : "closed",
            [.. votes.Where(v => v.Stage == index).Select(v =>
                new VoteResponse(v.Voter, v.CastBy, v.Choice.ToWireName(), v.Comment, v.CastAt, v.Seat))]))];
    }

    /// <summary>An escalation as the request gives it; null when absent. Shape errors go to <paramref name="errors"/>.</summary>
    public static Escalation? ToEscalation(EscalationSpec? spec, FieldErrors errors)
    {
        if (spec is null)
        {
            return null;
        }

        var approvers = ToApprovers(spec.Approvers, "escalation.approvers", errors);
        if (!Reminder.TryParse(spec.ExtendBy, out var extendBy))
        {
            errors.Add("escalation.extendBy", "Must be an ISO 8601 duration of days, hours, minutes or seconds, such as PT24H.");
        }

        var then = DeadlineAction.None;
        if (spec.Then is { } text && !DeadlineActions.TryParse(text, out then))
        {
            errors.Add("escalation.then", "Must be none, reject or cancel.");
        }

        return new Escalation(approvers, extendBy, then);
    }

    public static EscalationSpec? ToResponse(Escalation? escalation) => escalation is null
        ? null
        : new EscalationSpec([.. escalation.Approvers.Select(ToSpec)], escalation.ExtendBy.Text, escalation.Then.ToWireName());

    private static ApproverSpec ToSpec(Approver approver) => approver.Kind switch
    {
        ApproverKind.User => new ApproverSpec(User: approver.Name),
        ApproverKind.Group => new ApproverSpec(Group: approver.Name),
        _ => new ApproverSpec(Role: approver.Name),
    };

    private static List<Approver> ToApprovers(ApproverSpec[]? approvers, string field, FieldErrors errors)
    {
        if (approvers is null)
        {
            errors.Add(field, "Approvers are required: [{\"user\": …} | {\"group\": …} | {\"role\": …}].");
            return [];
        }

        var result = new List<Approver>(approvers.Length);
        foreach (var approver in approvers)
        {
            var named = new (ApproverKind Kind, string? Name)[] { (ApproverKind.User, approver?.User), (ApproverKind.Group, approver?.Group), (ApproverKind.Role, approver?.Role) }
                .Where(n => n.Name is not null).ToList();
            if (named.Count != 1)
            {
                errors.Add(field, "Each approver names exactly one of user, group or role.");
                continue;
            }

            result.Add(new Approver(named[0].Kind, named[0].Name!));
        }

        return result;
    }

    private static StagePolicy ToPolicy(PolicySpec? policy, string field, FieldErrors errors)
    {
        if (policy is null)
        {
            return StagePolicy.AnyOne;
        }

        if (PolicyWireNames.ParseMode(policy.Mode) is not { } mode)
        {
            errors.Add($"{field}.mode", "Must be one of any, all, atLeast.");
            return StagePolicy.AnyOne;
        }

        return new StagePolicy(mode, policy.Count, policy.Members ?? false);
    }
}
