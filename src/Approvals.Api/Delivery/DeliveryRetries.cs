using System.Text.Json.Nodes;
using Approvals.Api.Approvals;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Delivery;

/// <summary>
/// Sends a failed job again on request: the approval goes from ERROR back to ACKNOWLEDGED_* (a Redeliver* command
/// of the table), and the job starts a new round of its retry schedule, due now. Its outcome then resolves the
/// approval as any delivery does; the decision's other jobs keep their results.
/// </summary>
public sealed class DeliveryRetries(ApprovalsDbContext db, TimeProvider clock, Events.ApprovalEventSignal events)
{
    public async Task<DomainError?> RetryAsync(Guid approvalId, Guid jobId, Caller caller, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Serialised with the dispatcher's completions for this approval (they lock the same row).
        var approval = await ApprovalChangeReads.LockAsync(db, approvalId, cancellationToken);
        if (approval is null)
        {
            return Problems.ApprovalNotFound(approvalId);
        }

        var job = await db.DeliveryJobs.FirstOrDefaultAsync(j => j.Id == jobId && j.ApprovalId == approvalId, cancellationToken);
        if (job is null || !DecisionExtensions.TryFromFinalStatus(job.RequestedStatus, out var decision))
        {
            return new DomainError(ErrorKind.NotFound, ErrorCodes.DeliveryJobNotFound, $"Approval '{approvalId}' has no delivery job '{jobId}'.");
        }

        var command = ApprovalCommandInfo.RedeliverCommandFor(decision);
        if (ApprovalStateMachine.Evaluate(approval.Status, command).Rejection is { } refused)
        {
            return refused;
        }

        if (job.DecisionId != approval.CurrentDecisionId || job.State != DeliveryState.Failed)
        {
            return new DomainError(ErrorKind.Conflict, ErrorCodes.DeliveryNotRetryable, job.DecisionId != approval.CurrentDecisionId
                ? "The job belongs to a superseded decision; decide again instead."
                : $"Only a failed job can be retried; this one is {job.State.ToString().ToLowerInvariant()}.");
        }

        var now = clock.GetUtcNow();
        var details = new JsonObject { ["jobId"] = job.Id.ToString(), ["serviceRule"] = job.ServiceRuleId };
        var applied = ApprovalWorkflow.ApplyStatusCommand(approval, command, caller, ApprovalEventType.Redelivered, null, details, now);
        if (!applied.IsSuccess)
        {
            return applied.Error;
        }

        await applied.Value!.SaveAsync(db, cancellationToken);
        job.State = DeliveryState.Pending;
        job.NextAttemptAt = now;
        job.ScheduleStep = 0;
        job.LeaseExpiresAt = null;
        job.CompletedAt = null;
        await db.SaveChangesAsync(cancellationToken);

        // The insert trigger only fires for new jobs; wake the dispatchers for this one (delivered on commit).
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({DeliveryNotificationListener.Channel}, '')", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        events.Committed();
        return null;
    }
}
