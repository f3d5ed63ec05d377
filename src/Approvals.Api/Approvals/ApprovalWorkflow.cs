using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Delivery;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Approvals;

/// <summary>
/// The use case that edits and decides approvals (<see cref="ApprovalCreation"/> creates them): it reads the approval
/// under its row lock, looks up the facts the <see cref="Approval"/> aggregate cannot know itself, asks the aggregate,
/// and writes its new state, its events and (for a decision) its delivery jobs in one transaction
/// (<see cref="ApprovalWrite"/>). Every rule is the aggregate's. Both API versions call it.
/// </summary>
public sealed class ApprovalWorkflow(ApprovalsDbContext db, TimeProvider clock, ApprovalAccess access, DeliveryHandOff handOff)
{
    public async Task<Result<ApprovalRecord>> UpdateAsync(Guid id, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginUnlessInTransactionAsync(cancellationToken);

        // The row lock makes concurrent changes to one approval queue up here, so each one is decided on the state the
        // previous one committed: one decision wins, later ones see ACKNOWLEDGED, and no edit is lost or retried.
        var record = await ApprovalChangeReads.LockAsync(db, id, cancellationToken);
        if (record is null)
        {
            return ApprovalErrors.NotFound(id);
        }

        if (ApprovalAccessRules.CheckVisible(caller, record.Id, record.CreatedBy) is { } hidden)
        {
            return hidden;
        }

        var approval = record.ToAggregate();
        var facts = await FactsAsync(approval, change, caller, cancellationToken);
        var changed = approval.Change(change, caller, facts);
        if (!changed.IsSuccess || !changed.Value)
        {
            // Refused, or nothing to change: no write, no event.
            return changed.IsSuccess ? record : changed.Error!;
        }

        var write = new ApprovalWrite(record, approval);
        if (approval.DecisionTaken is { } decision)
        {
            QueueDeliveries(write, decision, facts.Now);
        }

        // A decision's jobs go straight to this process's dispatcher when it has the slots; whoever commits the
        // transaction starts them (here, or the Idempotency-Key filter that opened it).
        write.HandOff = handOff.TryReserve(write.NewJobs.Count);
        await write.SaveAsync(db, cancellationToken);
        foreach (var job in write.HandedOffJobs)
        {
            handOff.Add(job);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            handOff.Committed();
        }

        return record;
    }

    /// <summary>
    /// What the aggregate needs beyond the approval: the time, the usable service rules when the change names new
    /// ones, and whether self-approval is allowed when a person decides what they created.
    /// </summary>
    private async Task<ChangeFacts> FactsAsync(Approval approval, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        var usable = approval.ServiceRulesChangedBy(change.Edit) is { } newRules
            ? await db.ServiceRules.Where(r => newRules.Contains(r.Id) && r.Enabled).Select(r => r.Id).ToListAsync(cancellationToken)
            : null;
        var selfApprovalAllowed = ApprovalAccessRules.NeedsSelfApprovalCheck(caller, approval.CreatedBy, change.Decision)
            && await access.SelfApprovalAllowedAsync(approval.ServiceRules, cancellationToken);
        return new ChangeFacts(clock.GetUtcNow(), usable, selfApprovalAllowed);
    }

    /// <summary>
    /// The outbox: one job per service rule, written with the decision (due after the first step of the rule's retry
    /// schedule); older open jobs stop counting.
    /// </summary>
    private static void QueueDeliveries(ApprovalWrite write, DecisionTaken decision, DateTimeOffset now)
    {
        now = Timestamps.ToStoredPrecision(now);
        if (decision.SupersedesEarlier)
        {
            // Jobs exist only for an earlier decision: the first one (the usual case) has none to supersede.
            write.OpenJobsSupersededAt = now;
        }

        foreach (var rule in write.Changed.ServiceRules)
        {
            var job = new DeliveryJob
            {
                Id = Guid.CreateVersion7(now),
                ApprovalId = write.Changed.Id,
                DecisionId = decision.DecisionId,
                ServiceRuleId = rule,
                RequestedStatus = decision.Decision.FinalStatus(),
                State = DeliveryState.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            };
            write.NewJobs.Add(job);
            write.Approval.DeliveryJobs.Add(job);
        }
    }
}
