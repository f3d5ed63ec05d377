using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Telemetry;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// The use case that edits and decides approvals (<see cref="ApprovalCreation"/> creates them): it reads the approval
/// under its row lock, looks up the facts the <see cref="Approval"/> aggregate cannot know itself, asks the aggregate,
/// and writes its new state, its events and (for a decision) its delivery jobs in the request's unit of work
/// (<see cref="ApprovalStore.SaveAsync"/>), which its owner commits. Every rule is the aggregate's. Both API versions
/// call it.
/// </summary>
public sealed class ApprovalWorkflow(
    UnitOfWork unit, TimeProvider clock, DeliveryHandOff handOff, TimerSignal timers, PeopleDirectory people, ApprovalsMetrics metrics)
{
    public async Task<Result<ApprovalRecord>> UpdateAsync(Guid id, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        // What an edit names (approvers, their groups' members) is looked up before the row lock, on the data source:
        // a request waiting for the lock must not need a second connection.
        if ((change.Edit.Stages is not null || change.Edit.Escalation is { Value: not null })
            && await people.UnknownApproversAsync(change.Edit.Stages, change.Edit.Escalation?.Value, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        var membersOf = change.Edit.Stages is { } newStages ? await people.MembersOfAsync(newStages, cancellationToken) : null;

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
        if (approval.HasPolicy && change.Decision is Decision.Approve or Decision.Reject && change.Edit == new ApprovalEdit(Comment: change.Edit.Comment))
        {
            // A named approver's decision is their vote, its comment the vote's.
            var vote = new VoteRequest(change.Decision == Decision.Approve ? VoteChoice.Approve : VoteChoice.Reject, change.Edit.Comment,
                ExpectedVersions: change.ExpectedVersions);
            var self = VotingPerson.Of(caller);
            var delegators = self is null ? [] : await PeopleStore.ActiveDelegatorsInAsync(unit, SubjectOf(self), clock.GetUtcNow(), PeopleDirectory.IsKnownRole, cancellationToken);
            return await VoteAsync(record, approval, vote, caller, self, delegators, cancellationToken);
        }

        var facts = await FactsAsync(approval, change, caller, cancellationToken) with { MembersOf = membersOf };
        var changed = approval.Change(change, caller, facts);
        if (!changed.IsSuccess || !changed.Value)
        {
            // Refused, or nothing to change: no write, no event.
            return changed.IsSuccess ? record : changed.Error!;
        }

        await SaveAsync(record, approval, facts.Now, cancellationToken);
        return record;
    }

    /// <summary>
    /// A vote by the caller (or for someone who delegated to them) on an approval that names approvers; the vote that
    /// settles the policy decides, and its delivery jobs are written with it. Under the row lock, so concurrent votes
    /// are counted one after another on the state the previous one committed.
    /// </summary>
    public async Task<Result<ApprovalRecord>> VoteAsync(Guid id, VoteRequest vote, Caller caller, CancellationToken cancellationToken)
    {
        // A person's delegators are read with the lock, in its round trip; everything else of the vote is on the row.
        var self = VotingPerson.Of(caller);
        var (record, delegators) = self is null
            ? (await ApprovalStore.LockAsync(unit, id, cancellationToken), [])
            : await ApprovalStore.LockForVoteAsync(unit, id, SubjectOf(self), clock.GetUtcNow(), PeopleDirectory.IsKnownRole, cancellationToken);
        return record is null
            ? ApprovalErrors.NotFound(id)
            : await VoteAsync(record, record.ToAggregate(), vote, caller, self, delegators, cancellationToken);
    }

    private async Task<Result<ApprovalRecord>> VoteAsync(
        ApprovalRecord record, Approval approval, VoteRequest vote, Caller caller, VotingPerson? self, IReadOnlyList<VotingPerson> delegators,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();

        // Only stages that count each member of a group need the members, read in the same transaction.
        var counted = PeopleDirectory.MembersCountedGroups(approval.Stages);
        var membersOf = counted.Count == 0 ? _ => [] : await PeopleStore.GroupMembersInAsync(unit, counted, cancellationToken);
        var selfApprovalAllowed = (self?.Actor == approval.CreatedBy || delegators.Any(d => d.Actor == approval.CreatedBy))
            && await ServiceRuleStore.SelfApprovalAllowedAsync(unit, approval.ServiceRules, cancellationToken);
        var cast = approval.CastVote(vote, caller, new VoteFacts(now, self, delegators, membersOf, selfApprovalAllowed));
        if (!cast.IsSuccess)
        {
            return cast.Error!;
        }

        await SaveAsync(record, approval, now, cancellationToken);
        return record;
    }

    private static string SubjectOf(VotingPerson person) => person.Actor[Caller.UserPrefix.Length..];

    /// <summary>Writes the aggregate's change (and a decision's delivery jobs) in the unit of work: the use case's last write.</summary>
    private async Task SaveAsync(ApprovalRecord record, Approval approval, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var write = new ApprovalChangeSet(record, approval);
        if (approval.DecisionTaken is { } decision)
        {
            QueueDeliveries(write, decision, now);
            metrics.CountOnCommit(unit, decision);
        }

        // A decision's jobs go straight to this process's dispatcher when it has the slots; they start once the unit
        // of work has committed.
        write.HandOff = handOff.TryReserve(write.NewJobs.Count);
        await ApprovalStore.SaveAsLastWriteAsync(unit, write, cancellationToken);
        foreach (var job in write.HandedOffJobs)
        {
            handOff.Add(job);
        }

        unit.AfterCommit(handOff.Committed);
        timers.AfterCommitOf(unit, approval.TimersScheduled);
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
    /// schedule); older open jobs stop counting. Decisions taken by a deadline queue theirs the same way. The jobs carry
    /// the current span's trace context, which their attempts continue.
    /// </summary>
    internal static void QueueDeliveries(ApprovalChangeSet write, DecisionTaken decision, DateTimeOffset now)
    {
        now = Timestamps.ToStoredPrecision(now);
        var traceParent = ApprovalsTelemetry.CurrentTraceParent();
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
                TraceParent = traceParent,
            };
            write.NewJobs.Add(job);
            write.Record.DeliveryJobs.Add(job);
        }
    }
}
