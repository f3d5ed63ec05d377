using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>
/// How far a request has come, in words, for the list of one's own requests: while it takes votes, its open stage
/// and that stage's approvals of those needed (<see cref="StageProgress"/>); once decided, where the delivery of the
/// decision to its services stands.
/// </summary>
public static class RequestProgress
{
    public static string Of(ApprovalRecord approval, Func<string, IReadOnlyList<string>> membersOf)
    {
        if (PolicyRules.TakesVotes(approval.Status))
        {
            return StageProgress.Of(ApprovalPolicyJson.ReadStages(approval.Stages), approval.OpenStage,
                ApprovalPolicyJson.ReadVotes(approval.Votes), membersOf) is { } progress
                ? Votes(progress)
                : "Waiting for an approver's decision";
        }

        var jobs = approval.DeliveryJobs.Where(j => j.DecisionId == approval.CurrentDecisionId && j.State != DeliveryState.Superseded).ToList();
        if (jobs.Count == 0)
        {
            return "";
        }

        var delivered = jobs.Count(j => j.State == DeliveryState.Succeeded);
        var failed = jobs.Count(j => j.State == DeliveryState.Failed);
        return failed > 0 ? $"Delivery failed for {failed} of {Services(jobs.Count)}"
            : delivered == jobs.Count ? (jobs.Count == 1 ? "Delivered to its service" : $"Delivered to all {jobs.Count} services")
            : $"Being delivered: {delivered} of {Services(jobs.Count)} done";
    }

    /// <summary>The open stages of <paramref name="approvals"/> that take votes: whose group members the progress needs.</summary>
    public static IReadOnlyList<ApprovalStage> OpenStages(IEnumerable<ApprovalRecord> approvals) =>
        [.. approvals.Where(a => PolicyRules.TakesVotes(a.Status) && a.OpenStage is not null && a.Stages is not null)
            .Select(a => ApprovalPolicyJson.ReadStages(a.Stages) is var stages && a.OpenStage < stages.Count ? stages[a.OpenStage!.Value] : null)
            .OfType<ApprovalStage>()];

    private static string Votes(StageProgress progress)
    {
        var approvals = $"{progress.Approvals} of {progress.Needed} {(progress.Needed == 1 ? "approval" : "approvals")}";
        return progress.Stages == 1 ? approvals : $"Stage {progress.Stage + 1} of {progress.Stages} ({progress.Name}): {approvals}";
    }

    private static string Services(int count) => count == 1 ? "1 service" : $"{count} services";
}
