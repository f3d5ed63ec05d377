namespace Approvals.Domain;

/// <summary>Where one job of a decision stands, as the resolution needs it.</summary>
public sealed record JobStanding(int ServiceRuleId, string ServiceRuleName, DeliveryState State, ApprovalStatus? ReportedStatus, string? ErrorCode, string? Error);

/// <summary>What the dispatcher asks the transition table to do with the approval, and why.</summary>
public sealed record Resolution(ApprovalCommand Command, DeliveryError? Error);

/// <summary>
/// Turns the jobs of an approval's current decision into the approval's next step: nothing while any is still
/// open, ERROR as soon as one has failed for good, the reported final status once all succeeded and agree,
/// ERROR (<c>delivery.targets_disagree</c>) when they succeeded but disagree.
/// </summary>
public static class DeliveryResolution
{
    /// <param name="jobs">The decision's jobs; a failed one listed first is the one the error names.</param>
    public static Resolution? Resolve(IReadOnlyList<JobStanding> jobs, DateTimeOffset now)
    {
        if (jobs.Count == 0)
        {
            return null;
        }

        if (jobs.FirstOrDefault(j => j.State == DeliveryState.Failed) is { } failed)
        {
            var error = new DeliveryError(
                failed.ErrorCode ?? ErrorCodes.DeliveryRejected,
                $"Service rule {failed.ServiceRuleId} ({failed.ServiceRuleName}): {failed.Error ?? "the delivery failed."}",
                failed.ServiceRuleId,
                now);
            return new Resolution(ApprovalCommand.DeliveryFailed, error);
        }

        if (jobs.Any(j => j.State != DeliveryState.Succeeded))
        {
            return null;
        }

        var reported = jobs.Select(j => j.ReportedStatus).Distinct().ToList();
        if (reported is [{ } agreed] && ApprovalCommandInfo.DeliveredCommandFor(agreed) is { } delivered)
        {
            return new Resolution(delivered, null);
        }

        var answers = string.Join(", ", jobs.Select(j => $"{j.ServiceRuleId} ({j.ServiceRuleName}) reported {j.ReportedStatus?.ToWireName() ?? "nothing"}"));
        return new Resolution(ApprovalCommand.DeliveryFailed, new DeliveryError(
            ErrorCodes.DeliveryTargetsDisagree,
            $"The services accepted the decision but recorded different statuses: {answers}.",
            null,
            now));
    }
}
