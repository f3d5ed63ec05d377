using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>A vote as the page shows it: whose it is, who cast it for them (a delegate), when, and its comment.</summary>
public sealed record VoteView(string Voter, string? CastBy, VoteChoice Choice, string Comment, DateTimeOffset CastAt);

/// <summary>A stage: its number and name, where it stands (the API's <c>state</c>), its policy and approvers in words, its votes.</summary>
public sealed record StageView(int Number, string Name, string State, string Policy, IReadOnlyList<string> Approvers, IReadOnlyList<VoteView> Votes)
{
    public bool IsOpen => State == "open";
}

/// <summary>
/// Everything the detail page shows of one approval: its fields, its service rules by name, its stages and votes,
/// its delivery progress, its timeline, and what the signed-in person may do with it now.
/// </summary>
public sealed class ApprovalView
{
    public required Guid Id { get; init; }

    public required string Title { get; init; }

    public required string Description { get; init; }

    public required string Comment { get; init; }

    public required ApprovalStatus Status { get; init; }

    /// <summary>The version the page shows: its forms send it back, so a change made meanwhile is a conflict.</summary>
    public required int Version { get; init; }

    public required string RequestedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset Deadline { get; init; }

    public required DateTimeOffset Now { get; init; }

    /// <summary>Whether the deadline still matters (the table still lets it act: PENDING), so a countdown runs.</summary>
    public required bool DeadlineRuns { get; init; }

    public required IReadOnlyList<string> Services { get; init; }

    public required IReadOnlyList<StageView> Stages { get; init; }

    public required ApprovalProgress Progress { get; init; }

    public required IReadOnlyList<TimelineEntry> Timeline { get; init; }

    public required ActionsOffered Actions { get; init; }

    public bool Overdue => DeadlineRuns && Deadline < Now;

    public static ApprovalView From(
        ApprovalRecord record, IReadOnlyList<ApprovalEventRecord> history, IReadOnlyDictionary<string, string> names, ActionsOffered actions, DateTimeOffset now)
    {
        var approval = record.ToAggregate();
        var services = ApprovalProgress.ServiceNames(record);
        var states = PolicyContracts.ToResponse(approval.Stages, approval.OpenStage, approval.Votes, approval.Status) ?? [];
        return new ApprovalView
        {
            Id = record.Id,
            Title = record.Title,
            Description = record.Description,
            Comment = record.Comment,
            Status = record.Status,
            Version = record.Version,
            RequestedBy = names.GetValueOrDefault(record.CreatedBy) ?? record.CreatedBy,
            CreatedAt = record.CreatedAt,
            Deadline = record.Deadline,
            Now = now,
            DeadlineRuns = ApprovalStateMachine.Evaluate(record.Status, ApprovalCommand.Remind).IsAllowed,
            Services = [.. approval.ServiceRules.Select(id => services.GetValueOrDefault(id) ?? $"service rule {id}")],
            Stages = [.. approval.Stages.Select((stage, index) => new StageView(
                index + 1,
                stage.Name,
                states[index].State,
                ApprovalWords.Policy(stage.Policy),
                [.. stage.Approvers.Select(a => ApprovalWords.Approver(a, stage.Policy.Members))],
                [.. approval.Votes.Where(v => v.Stage == index).Select(v => new VoteView(v.Voter, v.CastBy, v.Choice, v.Comment, v.CastAt))]))],
            Progress = ApprovalProgress.From(record),
            Timeline = ApprovalTimeline.From(history, names, services),
            Actions = actions,
        };
    }

    /// <summary>The actors the page names: the requester and everyone in the history.</summary>
    public static IEnumerable<string> ActorsOf(ApprovalRecord record, IReadOnlyList<ApprovalEventRecord> history) =>
        history.Select(e => e.Actor).Append(record.CreatedBy);
}

/// <summary>One attempt of a delivery: when, how long, the HTTP status (none when no answer came), the error.</summary>
public sealed record DeliveryAttemptView(int Number, DateTimeOffset StartedAt, int DurationMs, int? HttpStatus, string? Error);

/// <summary>One service's delivery of a decision: its state, attempts, last error and next attempt.</summary>
public sealed record DeliveryView(
    string Service, DeliveryState State, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, IReadOnlyList<DeliveryAttemptView> AttemptLog)
{
    public string StateWords => ApprovalWords.Delivery(State, Attempts);

    public string StateClass => ApprovalWords.DeliveryClass(State);
}

/// <summary>
/// The status and the delivery progress per service rule: the part of the detail page that updates live
/// (<c>_ApprovalProgress.cshtml</c>, rendered with the page and again for each event the live stream announces).
/// The same jobs and attempts as <c>GET /api/v1/approvals/{id}/deliveries</c>.
/// </summary>
public sealed record ApprovalProgress(
    Guid Id, ApprovalStatus Status, string? LastError, IReadOnlyList<string> Waiting, IReadOnlyList<DeliveryView> Current, IReadOnlyList<DeliveryView> Earlier)
{
    public bool Decided => Current.Count > 0;

    public static ApprovalProgress From(ApprovalRecord record)
    {
        var services = ServiceNames(record);
        string Name(int id) => services.GetValueOrDefault(id) ?? $"service rule {id}";
        var jobs = ApprovalQueries.JobsInOrder(record)
            .Select(j => (Current: j.DecisionId == record.CurrentDecisionId, View: new DeliveryView(
                Name(j.ServiceRuleId),
                j.State,
                j.Attempts,
                j.LastError,
                j.State is DeliveryState.Pending or DeliveryState.Sending ? j.NextAttemptAt : null,
                [.. j.AttemptLog.OrderBy(a => a.Number).Select(a => new DeliveryAttemptView(a.Number, a.StartedAt, a.DurationMs, a.HttpStatus, a.Error))])))
            .ToList();
        var current = jobs.Where(j => j.Current).Select(j => j.View).ToList();
        return new ApprovalProgress(
            record.Id,
            record.Status,
            record.LastError?.Message,
            current.Count == 0 ? [.. record.ServiceRules.OrderBy(r => r.Position).Select(r => Name(r.ServiceRuleId))] : [],
            current,
            [.. jobs.Where(j => !j.Current).Select(j => j.View)]);
    }

    /// <summary>The names of the approval's service rules (read with it), by id.</summary>
    public static IReadOnlyDictionary<int, string> ServiceNames(ApprovalRecord record) =>
        record.ServiceRules.Where(r => r.ServiceRule is not null).ToDictionary(r => r.ServiceRuleId, r => r.ServiceRule!.Name);
}
