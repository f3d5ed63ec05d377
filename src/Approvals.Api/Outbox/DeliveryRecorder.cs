using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Outbox;

/// <summary>
/// Writes what an attempt came to: the attempt log row, the job's next state (done, retry at a time, or failed),
/// and, when the job is done, the job's outcome and the approval's resolution through the aggregate. All in the
/// job's unit of work (its runner commits it), so an attempt is never recorded without its consequence.
/// </summary>
public sealed partial class DeliveryRecorder(UnitOfWork unit, DeliveryJobStore jobs, TimeProvider clock, ILogger<DeliveryRecorder> logger)
{
    public static readonly Caller Dispatcher = Caller.System("dispatcher");

    /// <summary>Records the attempt and its consequences; true when the job is due again later (a retry was scheduled).</summary>
    public async Task<bool> RecordAsync(ClaimedJob job, string owner, ServiceRule rule, DeliveryAttemptOutcome outcome, CancellationToken cancellationToken)
    {
        // At the database's precision, so the approval's lastError.at (JSON, which keeps whatever it is given) reads
        // the same as the timestamp columns written with it.
        var now = Timestamps.ToStoredPrecision(clock.GetUtcNow());
        var next = NextState(job, rule.RetrySchedule, outcome, now);
        var (approval, stillOurs, standings) = await jobs.RecordAttemptAsync(unit, job, owner, next, outcome, now, cancellationToken);
        if (!stillOurs)
        {
            // Our lease ran out and another dispatcher took the job over, or a new decision superseded it: the
            // attempt happened, so it is logged, but its result no longer counts.
            LogLeaseLost(logger, job.Id, job.Attempt);
        }
        else if ((next.State is DeliveryState.Succeeded or DeliveryState.Failed) && approval is not null)
        {
            await RecordOutcomeAsync(approval, job, rule, next, outcome, standings, now, cancellationToken);
        }

        LogRecorded(logger, job.Id, job.ApprovalId, job.ServiceRuleId, job.Attempt, outcome.Verdict, outcome.HttpStatus, next.State);
        return stillOurs && next.State == DeliveryState.Pending;
    }

    /// <summary>The dispatcher is stopping mid-attempt: log the attempt and hand the job back, due now, without using up a retry.</summary>
    public async Task ReleaseAsync(ClaimedJob job, string owner, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var aborted = new DeliveryAttemptOutcome(AttemptVerdict.Transient, startedAt, now - startedAt,
            Error: "Aborted: the dispatcher shut down during the attempt; the job was handed back.");
        await jobs.ReleaseAsync(unit, job, owner, aborted, now, cancellationToken);
    }

    /// <summary>
    /// Tells the approval that this job finished, which raises the outcome's event and, when the decision's jobs settle
    /// it, resolves the approval through the transition table; then writes the approval and its events, with the version
    /// read under the lock as the concurrency token.
    /// </summary>
    private async Task RecordOutcomeAsync(
        ApprovalRecord record, ClaimedJob job, ServiceRule rule, JobNextState next,
        DeliveryAttemptOutcome outcome, List<(Guid JobId, JobStanding Standing)> standings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var approval = record.ToAggregate();
        ApplyOutcome(approval, job, rule.Id, next, outcome, standings, now, logger);
        await ApprovalStore.SaveAsync(unit, new ApprovalChangeSet(record, approval), cancellationToken);
    }

    /// <summary>
    /// Tells the aggregate that <paramref name="job"/> finished, which raises the outcome's event and, when the
    /// decision's jobs settle it, resolves the approval through the transition table. Both transports record this way.
    /// </summary>
    /// <param name="standings">The decision's jobs after this outcome.</param>
    internal static void ApplyOutcome(
        Approval approval, ClaimedJob job, int serviceRuleId, JobNextState next, DeliveryAttemptOutcome outcome,
        IEnumerable<(Guid JobId, JobStanding Standing)> standings, DateTimeOffset now, ILogger logger)
    {
        // This job first, so that when it failed the approval's error names it.
        var ordered = standings.OrderBy(s => s.JobId == job.Id ? 0 : 1).Select(s => s.Standing).ToList();
        var finished = new DeliveryOutcome(job.Id, job.DecisionId, job.ServiceRuleId, next.State == DeliveryState.Succeeded, job.Attempt,
            outcome.ReportedStatus, next.ErrorCode, next.Error);
        var statusBefore = approval.Status;
        if (approval.RecordDeliveryOutcome(finished, ordered, Dispatcher, now) is { } refused)
        {
            // Typically the approval is already in ERROR because a sibling job failed first; this job's own state
            // (such as a success) is kept on the job and in its event.
            LogResolutionRefused(logger, job.ApprovalId, refused.Code, approval.Status.ToWireName());
        }
        else if (approval.Status != statusBefore)
        {
            LogResolved(logger, job.ApprovalId, statusBefore.ToWireName(), approval.Status.ToWireName(), serviceRuleId);
        }
    }

    /// <summary>What an attempt's outcome makes of its job: done, due again after the rule's next delay, or failed.</summary>
    internal static JobNextState NextState(
        ClaimedJob job, IReadOnlyList<int> schedule, DeliveryAttemptOutcome outcome, DateTimeOffset now)
    {
        switch (outcome.Verdict)
        {
            case AttemptVerdict.Succeeded:
                return new(DeliveryState.Succeeded, null, null, null);
            case AttemptVerdict.Transient:
                if (RetryDelays.Next(schedule, job.ScheduleStep, outcome.RetryAfter, Random.Shared.NextDouble()) is { } delay)
                {
                    return new(DeliveryState.Pending, now + delay, DeliveryJobText.Truncate(outcome.Error), null);
                }

                return new(DeliveryState.Failed, null,
                    DeliveryJobText.Truncate($"Gave up after {job.ScheduleStep} attempt(s) of the retry schedule; the last one: {outcome.Error}"),
                    ErrorCodes.DeliveryRetriesExhausted);
            default:
                return new(DeliveryState.Failed, null, DeliveryJobText.Truncate(outcome.Error), outcome.ErrorCode ?? ErrorCodes.DeliveryRejected);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery job {JobId} (approval {ApprovalId}, service rule {ServiceRuleId}) attempt {Attempt}: {Verdict}, HTTP {HttpStatus}; job is now {State}")]
    private static partial void LogRecorded(ILogger logger, Guid jobId, Guid approvalId, int serviceRuleId, int attempt, AttemptVerdict verdict, int? httpStatus, DeliveryState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery job {JobId} attempt {Attempt} finished after its claim was lost (lease expired or superseded); its result is ignored")]
    private static partial void LogLeaseLost(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} resolved by delivery: {FromStatus} -> {ToStatus} (last job: service rule {ServiceRuleId})")]
    private static partial void LogResolved(ILogger logger, Guid approvalId, string fromStatus, string toStatus, int serviceRuleId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Approval {ApprovalId}: resolution refused ({Code}) while {Status}")]
    private static partial void LogResolutionRefused(ILogger logger, Guid approvalId, string code, string status);
}
