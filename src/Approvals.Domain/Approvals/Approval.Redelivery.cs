namespace Approvals.Domain;

/// <summary>Sending a failed delivery job again, on an admin's request.</summary>
public sealed partial class Approval
{
    /// <summary>
    /// Sends a failed job of the current decision again: ERROR back to ACKNOWLEDGED_* (a Redeliver* command of the
    /// table), the last error cleared; raises <see cref="ApprovalEventType.Redelivered"/>. The job itself starts a new
    /// round of its retry schedule (the delivery job store's business). A job of a disabled service rule is not sent
    /// again: it would fail at once.
    /// </summary>
    public DomainError? Redeliver(RedeliveryTarget job, Caller caller, DateTimeOffset now)
    {
        if (!DecisionExtensions.TryFromFinalStatus(job.RequestedStatus, out var decision))
        {
            return ApprovalErrors.JobNotFound(Id, job.JobId);
        }

        var transition = ApprovalStateMachine.Evaluate(Status, ApprovalCommandInfo.RedeliverCommandFor(decision));
        if (transition.Rejection is { } refused)
        {
            return refused;
        }

        if (job.DecisionId != CurrentDecisionId || job.State != DeliveryState.Failed)
        {
            return new DomainError(ErrorCodes.DeliveryNotRetryable, job.DecisionId != CurrentDecisionId
                ? "The job belongs to a superseded decision; decide again instead."
                : $"Only a failed job can be retried; this one is {job.State.ToString().ToLowerInvariant()}.");
        }

        if (!job.RuleEnabled)
        {
            // Sent again now, it would only fail again at once (delivery.rule_disabled).
            return new DomainError(ErrorCodes.ServiceRuleDisabled,
                $"Service rule {job.ServiceRule} is disabled; enable it first, or edit the approval's service rules and decide again.");
        }

        now = Timestamps.ToStoredPrecision(now);
        var before = Status;
        var changes = new List<FieldChange>();
        MoveTo(transition.Target!.Value, lastError: null, changes);
        Raise(ApprovalEventType.Redelivered, before, caller, changes,
            new EventDetails { DecisionId = job.DecisionId, JobId = job.JobId, ServiceRule = job.ServiceRule }, now);
        return null;
    }
}
