using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Approvals;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Delivery;

/// <summary>
/// Writes what an attempt came to: the attempt log row, the job's next state (done, retry at a time, or failed),
/// and, when the job is done, the approval's resolution through the transition table. One transaction, so an
/// attempt is never recorded without its consequence.
/// </summary>
public sealed partial class DeliveryRecorder(ApprovalsDbContext db, ApprovalWorkflow workflow, TimeProvider clock, ILogger<DeliveryRecorder> logger)
{
    public static readonly Caller Dispatcher = Caller.System("dispatcher");

    public const int MaxErrorLength = 2000;

    public async Task RecordAsync(ClaimedJob job, string owner, ServiceRule rule, DeliveryAttemptOutcome outcome, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var next = NextState(job, rule.RetrySchedule, outcome, now);
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Completions of one approval's jobs take turns on its row, so whichever finishes last sees all the others.
        // The locked row is loaded (tracked) at once, for the resolution below.
        var approval = await db.Approvals
            .FromSql($"SELECT * FROM approvals WHERE id = {job.ApprovalId} FOR UPDATE")
            .Where(a => a.Id == job.ApprovalId) // already filtered in SQL; stated again so EF knows First is deterministic
            .FirstOrDefaultAsync(cancellationToken);
        db.DeliveryAttempts.Add(ToAttempt(job, outcome));
        var stillOurs = await ClaimOf(job, owner).ExecuteUpdateAsync(set =>
        {
            set.SetProperty(j => j.State, next.State)
                .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(j => j.LastError, next.Error)
                .SetProperty(j => j.LastErrorCode, next.ErrorCode);
            if (next.State == DeliveryState.Pending)
            {
                set.SetProperty(j => j.NextAttemptAt, next.NextAttemptAt!.Value);
            }
            else
            {
                set.SetProperty(j => j.CompletedAt, now).SetProperty(j => j.ReportedStatus, outcome.ReportedStatus);
            }
        }, cancellationToken);

        if (stillOurs == 0)
        {
            // Our lease ran out and another dispatcher took the job over, or a new decision superseded it: the
            // attempt happened, so it is logged, but its result no longer counts.
            LogLeaseLost(logger, job.Id, job.Attempt);
        }
        else if ((next.State is DeliveryState.Succeeded or DeliveryState.Failed) && approval is not null)
        {
            await ResolveApprovalAsync(approval, job, rule, now, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRecorded(logger, job.Id, job.ApprovalId, job.ServiceRuleId, job.Attempt, outcome.Verdict, outcome.HttpStatus, next.State);
    }

    /// <summary>The dispatcher is stopping mid-attempt: log the attempt and hand the job back, due now, without using up a retry.</summary>
    public async Task ReleaseAsync(ClaimedJob job, string owner, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.DeliveryAttempts.Add(ToAttempt(job, new DeliveryAttemptOutcome(AttemptVerdict.Transient, startedAt, now - startedAt,
            Error: "Aborted: the dispatcher shut down during the attempt; the job was handed back.")));
        await ClaimOf(job, owner).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, DeliveryState.Pending)
            .SetProperty(j => j.NextAttemptAt, now)
            .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(j => j.ScheduleStep, j => j.ScheduleStep - 1), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task ResolveApprovalAsync(Approval approval, ClaimedJob job, ServiceRule rule, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (approval.CurrentDecisionId != job.DecisionId)
        {
            return;
        }

        var standings = await db.DeliveryJobs
            .Where(j => j.ApprovalId == job.ApprovalId && j.DecisionId == job.DecisionId)
            .Join(db.ServiceRules, j => j.ServiceRuleId, r => r.Id, (j, r) => new { j.Id, Standing = new JobStanding(j.ServiceRuleId, r.Name, j.State, j.ReportedStatus, j.LastErrorCode, j.LastError) })
            .ToListAsync(cancellationToken);

        // This job first, so that when it failed the approval's error names it.
        var ordered = standings.OrderBy(s => s.Id == job.Id ? 0 : 1).Select(s => s.Standing).ToList();
        if (DeliveryResolution.Resolve(ordered, now) is not { } resolution)
        {
            return;
        }

        JsonObject? changes = resolution.Error is { } error
            ? new JsonObject { ["lastError"] = new JsonObject { ["old"] = null, ["new"] = JsonSerializer.SerializeToNode(error, ApprovalsJsonContext.Default.DeliveryError) } }
            : null;
        var refused = workflow.ApplyStatusCommand(approval, resolution.Command, Dispatcher, HistoryActions.StatusChanged, resolution.Error, changes, now);
        if (refused is not null)
        {
            // Typically the approval is already in ERROR because a sibling job failed first; this job's own state
            // (such as a success) is kept on the job.
            LogResolutionRefused(logger, job.ApprovalId, resolution.Command.ToWireName(), approval.Status.ToWireName());
        }
        else
        {
            LogResolved(logger, job.ApprovalId, approval.PreviousStatus?.ToWireName(), approval.Status.ToWireName(), rule.Id);
        }
    }

    /// <summary>
    /// Locks the approval's row until the transaction ends. Everything that resolves or re-queues an approval's
    /// deliveries takes this lock first, so those changes take turns and each sees the others' committed results.
    /// </summary>
    internal static Task LockApprovalAsync(ApprovalsDbContext db, Guid approvalId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"SELECT 1 FROM approvals WHERE id = {approvalId} FOR UPDATE", cancellationToken);

    /// <summary>The job, but only while this dispatcher still holds this attempt's claim on it.</summary>
    private IQueryable<DeliveryJob> ClaimOf(ClaimedJob job, string owner) => db.DeliveryJobs.Where(j =>
        j.Id == job.Id && j.State == DeliveryState.Sending && j.LeaseOwner == owner && j.Attempts == job.Attempt);

    private static DeliveryAttempt ToAttempt(ClaimedJob job, DeliveryAttemptOutcome outcome) => new()
    {
        JobId = job.Id,
        Number = job.Attempt,
        StartedAt = outcome.StartedAt,
        DurationMs = (int)Math.Min(int.MaxValue, Math.Max(0, outcome.Duration.TotalMilliseconds)),
        HttpStatus = outcome.HttpStatus,
        Error = Truncate(outcome.Error),
        ResponseExcerpt = outcome.ResponseExcerpt,
    };

    private static (DeliveryState State, DateTimeOffset? NextAttemptAt, string? Error, string? ErrorCode) NextState(
        ClaimedJob job, IReadOnlyList<int> schedule, DeliveryAttemptOutcome outcome, DateTimeOffset now)
    {
        switch (outcome.Verdict)
        {
            case AttemptVerdict.Succeeded:
                return (DeliveryState.Succeeded, null, null, null);
            case AttemptVerdict.Transient:
                if (RetryDelays.Next(schedule, job.ScheduleStep, outcome.RetryAfter, Random.Shared.NextDouble()) is { } delay)
                {
                    return (DeliveryState.Pending, now + delay, Truncate(outcome.Error), null);
                }

                return (DeliveryState.Failed, null,
                    Truncate($"Gave up after {job.ScheduleStep} attempt(s) of the retry schedule; the last one: {outcome.Error}"),
                    ErrorCodes.DeliveryRetriesExhausted);
            default:
                return (DeliveryState.Failed, null, Truncate(outcome.Error), outcome.ErrorCode ?? ErrorCodes.DeliveryRejected);
        }
    }

    private static string? Truncate(string? value) => value is { Length: > MaxErrorLength } ? value[..MaxErrorLength] : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery job {JobId} (approval {ApprovalId}, service rule {ServiceRuleId}) attempt {Attempt}: {Verdict}, HTTP {HttpStatus}; job is now {State}")]
    private static partial void LogRecorded(ILogger logger, Guid jobId, Guid approvalId, int serviceRuleId, int attempt, AttemptVerdict verdict, int? httpStatus, DeliveryState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery job {JobId} attempt {Attempt} finished after its claim was lost (lease expired or superseded); its result is ignored")]
    private static partial void LogLeaseLost(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} resolved by delivery: {FromStatus} -> {ToStatus} (last job: service rule {ServiceRuleId})")]
    private static partial void LogResolved(ILogger logger, Guid approvalId, string? fromStatus, string toStatus, int serviceRuleId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Approval {ApprovalId}: {Command} not applied while {Status}")]
    private static partial void LogResolutionRefused(ILogger logger, Guid approvalId, string command, string status);
}
