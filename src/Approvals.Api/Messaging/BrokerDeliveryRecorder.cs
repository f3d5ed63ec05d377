using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Messaging;

/// <summary>An attempt a worker made (or, for a poisoned message, gave up on), waiting to be recorded.</summary>
public sealed record AttemptToRecord(ClaimedJob Job, IReadOnlyList<int> RetrySchedule, DeliveryAttemptOutcome Outcome);

/// <summary>
/// Records a batch of a worker's attempts in one unit of work (one transaction, two round trips): each attempt only
/// if it is still its job's next one; for each job that finished, its outcome and the approval's resolution through
/// the aggregate, exactly as the dispatcher's recorder does one at a time. Jobs of one approval in one batch are told
/// to its aggregate one after the other, each seeing the later ones as not yet finished, as if they had been recorded
/// in turn.
/// </summary>
public sealed partial class BrokerDeliveryRecorder(UnitOfWork unit, TimeProvider clock, ILogger<BrokerDeliveryRecorder> logger)
{
    /// <summary>
    /// Records and commits; returns, for each attempt of <paramref name="batch"/> in order, its job's state after it,
    /// or null when it was not recorded (not the job's next attempt, the job no longer counts, or the same attempt
    /// came twice in the batch: the first one counts).
    /// </summary>
    public async Task<JobNextState?[]> RecordAsync(IReadOnlyList<AttemptToRecord> batch, CancellationToken cancellationToken)
    {
        var now = Timestamps.ToStoredPrecision(clock.GetUtcNow());
        var firstOfJob = new Dictionary<Guid, int>();
        for (var i = 0; i < batch.Count; i++)
        {
            firstOfJob.TryAdd(batch[i].Job.Id, i);
        }

        var attempts = firstOfJob.Values.Order()
            .Select(i => new BrokerAttempt(batch[i].Job, DeliveryRecorder.NextState(batch[i].Job, batch[i].RetrySchedule, batch[i].Outcome, now), batch[i].Outcome))
            .ToList();
        var recording = await DeliveryJobStore.RecordBrokerAttemptsAsync(unit, attempts, now, cancellationToken);

        var changes = new List<ApprovalChangeSet>();
        var finishedByApproval = attempts
            .Where(a => a.Next.State != DeliveryState.Pending && recording.Recorded.Contains(a.Job.Id))
            .GroupBy(a => a.Job.ApprovalId);
        foreach (var finished in finishedByApproval)
        {
            if (!recording.LockedApprovals.TryGetValue(finished.Key, out var record))
            {
                continue;
            }

            var approval = record.ToAggregate();
            var standings = recording.Standings.GetValueOrDefault(finished.Key) ?? [];
            var inTurn = finished.ToList();
            for (var i = 0; i < inTurn.Count; i++)
            {
                var later = inTurn.Skip(i + 1).Select(a => a.Job.Id).ToHashSet();
                var asOfThisOne = standings.Select(s => later.Contains(s.JobId)
                    ? (s.JobId, s.Standing with { State = DeliveryState.Pending, ReportedStatus = null, ErrorCode = null, Error = null })
                    : s);
                var attempt = inTurn[i];
                DeliveryRecorder.ApplyOutcome(approval, attempt.Job, attempt.Job.ServiceRuleId, attempt.Next, attempt.Outcome, asOfThisOne, now, logger);
            }

            changes.Add(new ApprovalChangeSet(record, approval));
        }

        await ApprovalStore.SaveOutcomesAsync(unit, changes, cancellationToken);
        await unit.CommitAsync(cancellationToken);

        var result = new JobNextState?[batch.Count];
        foreach (var attempt in attempts)
        {
            if (recording.Recorded.Contains(attempt.Job.Id))
            {
                result[firstOfJob[attempt.Job.Id]] = attempt.Next;
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (result[i] is null)
            {
                LogNotRecorded(logger, batch[i].Job.Id, batch[i].Job.Attempt);
            }
        }

        LogRecorded(logger, result.Count(r => r is not null), batch.Count, changes.Count);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery job {JobId} attempt {Attempt} was not recorded: it is no longer the job's next attempt, or the job no longer counts")]
    private static partial void LogNotRecorded(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recorded {Recorded} of {Count} attempt(s); {Approvals} approval(s) changed")]
    private static partial void LogRecorded(ILogger logger, int recorded, int count, int approvals);
}
