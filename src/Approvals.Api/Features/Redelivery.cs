using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Telemetry;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// The use case that sends a failed job again on request: the aggregate takes the approval from ERROR back to
/// ACKNOWLEDGED_* (a Redeliver* command of the table), and the job starts a new round of its retry schedule, due now.
/// Its outcome then resolves the approval as any delivery does; the decision's other jobs keep their results. Runs in
/// the request's unit of work, serialised with the dispatcher's completions for the approval (both lock its row).
/// </summary>
public sealed class Redelivery(UnitOfWork unit, DeliveryJobStore jobs, TimeProvider clock)
{
    /// <returns>The approval as the redelivery leaves it, with its current decision's jobs.</returns>
    public async Task<Result<ApprovalRecord>> RedeliverAsync(Guid approvalId, Guid jobId, Caller caller, CancellationToken cancellationToken)
    {
        var record = await ApprovalStore.LockAsync(unit, approvalId, cancellationToken);
        if (record is null)
        {
            return ApprovalErrors.NotFound(approvalId);
        }

        if (ApprovalAccessRules.CheckVisible(caller, record.Id, record.CreatedBy) is { } hidden)
        {
            return hidden;
        }

        if (await jobs.GetForRedeliveryAsync(unit, approvalId, jobId, cancellationToken) is not { } job)
        {
            return ApprovalErrors.JobNotFound(approvalId, jobId);
        }

        var approval = record.ToAggregate();
        var now = Timestamps.ToStoredPrecision(clock.GetUtcNow());
        if (approval.Redeliver(job, caller, now) is { } refused)
        {
            return refused;
        }

        await ApprovalStore.SaveAsync(unit, new ApprovalChangeSet(record, approval), cancellationToken);
        await jobs.RedeliverAsync(unit, job.JobId, now, ApprovalsTelemetry.CurrentTraceParent(), cancellationToken);

        // The answer shows the approval as this unit leaves it: read after the commit, a fast delivery may already
        // have resolved it.
        return await ApprovalStore.ReadInAsync(unit, approvalId, cancellationToken) ?? record;
    }
}
