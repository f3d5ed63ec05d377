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
public sealed class DeliveryRetries(ApprovalsDbContext db, TimeProvider clock)
{
    public async Task<Result<ApprovalRecord>> RetryAsync(Guid approvalId, Guid jobId, Caller caller, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // Serialised with the dispatcher's completions for this approval (they lock the same row).
        var record = await ApprovalChangeReads.LockAsync(db, approvalId, cancellationToken);
        if (record is null)
        {
            return ApprovalErrors.NotFound(approvalId);
        }

        if (ApprovalAccessRules.CheckVisible(caller, record.Id, record.CreatedBy) is { } hidden)
        {
            return hidden;
        }

        var job = await db.DeliveryJobs.FirstOrDefaultAsync(j => j.Id == jobId && j.ApprovalId == approvalId, cancellationToken);
        if (job is null)
        {
            return ApprovalErrors.JobNotFound(approvalId, jobId);
        }

        var approval = record.ToAggregate();
        var now = Timestamps.ToStoredPrecision(clock.GetUtcNow());
        var target = new RedeliveryTarget(job.Id, job.DecisionId, job.ServiceRuleId, job.State, job.RequestedStatus);
        if (approval.Redeliver(target, caller, now) is { } refused)
        {
            return refused;
        }

        await new ApprovalWrite(record, approval).SaveAsync(db, cancellationToken);
        job.State = DeliveryState.Pending;
        job.NextAttemptAt = now;
        job.ScheduleStep = 0;
        job.LeaseExpiresAt = null;
        job.CompletedAt = null;
        await db.SaveChangesAsync(cancellationToken);

        // The insert trigger only fires for new jobs; wake the dispatchers for this one (delivered on commit).
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({DeliveryNotificationListener.Channel}, '')", cancellationToken);

        // The answer shows the approval as this transaction leaves it: read after the commit, a fast delivery may
        // already have resolved it.
        record.DeliveryJobs = await db.DeliveryJobs.AsNoTracking()
            .Where(j => j.ApprovalId == approvalId && j.DecisionId == record.CurrentDecisionId)
            .ToListAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return record;
    }
}
