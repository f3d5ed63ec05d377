using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// The use case that edits and decides approvals (<see cref="ApprovalCreation"/> creates them): it reads the approval
/// under its row lock, looks up the facts the <see cref="Approval"/> aggregate cannot know itself, asks the aggregate,
/// and writes its new state, its events and (for a decision) its delivery jobs in the request's unit of work
/// (<see cref="ApprovalStore.SaveAsync"/>), which its owner commits. Every rule is the aggregate's. Both API versions
/// call it.
/// </summary>
public sealed class ApprovalWorkflow(UnitOfWork unit, TimeProvider clock, DeliveryHandOff handOff, TimerSignal timers)
{
    public async Task<Result<ApprovalRecord>> UpdateAsync(Guid id, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        // The row lock makes concurrent changes to one approval queue up here, so each one is decided on the state the
        // previous one committed: one decision wins, later ones see ACKNOWLEDGED, and no edit is lost or retried.
        var record = await ApprovalStore.LockAsync(unit, id, cancellationToken);
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

        var write = new ApprovalChangeSet(record, approval);
        if (approval.DecisionTaken is { } decision)
        {
            QueueDeliveries(write, decision, facts.Now);
        }

        // A decision's jobs go straight to this process's dispatcher when it has the slots; they start once the unit
        // of work has committed.
        write.HandOff = handOff.TryReserve(write.NewJobs.Count);
        await ApprovalStore.SaveAsync(unit, write, cancellationToken);
        foreach (var job in write.HandedOffJobs)
        {
            handOff.Add(job);
        }

        unit.AfterCommit(handOff.Committed);
        timers.AfterCommitOf(unit, approval.TimersScheduled);
        return record;
    }

    /// <summary>
    /// What the aggregate needs beyond the approval: the time, the usable service rules when the change names new
    /// ones, and whether self-approval is allowed when a person decides what they created.
    /// </summary>
    private async Task<ChangeFacts> FactsAsync(Approval approval, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        var usable = approval.ServiceRulesChangedBy(change.Edit) is { } newRules
            ? await ServiceRuleStore.UsableAsync(unit, newRules, cancellationToken)
            : null;
        var selfApprovalAllowed = ApprovalAccessRules.NeedsSelfApprovalCheck(caller, approval.CreatedBy, change.Decision)
            && await ServiceRuleStore.SelfApprovalAllowedAsync(unit, approval.ServiceRules, cancellationToken);
        return new ChangeFacts(clock.GetUtcNow(), usable, selfApprovalAllowed);
    }

    /// <summary>
    /// The outbox: one job per service rule, written with the decision (due after the first step of the rule's retry
    /// schedule); older open jobs stop counting. Decisions taken by a deadline queue theirs the same way.
    /// </summary>
    internal static void QueueDeliveries(ApprovalChangeSet write, DecisionTaken decision, DateTimeOffset now)
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
            write.Record.DeliveryJobs.Add(job);
        }
    }
}
