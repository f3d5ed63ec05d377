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
public sealed class ApprovalWorkflow(
    UnitOfWork unit, TimeProvider clock, DeliveryHandOff handOff, TimerSignal timers, PeopleDirectory people, ApprovalStore approvals)
{
    public async Task<Result<ApprovalRecord>> UpdateAsync(Guid id, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        // The row lock makes concurrent changes to one approval queue up here, so each one is decided on the state the
        // previous one committed: one decision wins, later ones see ACKNOWLEDGED, and no edit is lost or retried.
        // What a vote needs from other tables is read before the row lock: waiting for the lock must not hold a second
        // connection. Only a person's approve or reject can be a vote.
        var voter = change.Decision is Decision.Approve or Decision.Reject && VotingPerson.Of(caller) is not null
            ? await VoterAsync(id, caller, cancellationToken)
            : null;
        if ((change.Edit.Stages is not null || change.Edit.Escalation is { Value: not null })
            && await people.UnknownApproversAsync(change.Edit.Stages, change.Edit.Escalation?.Value, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        var membersOf = change.Edit.Stages is { } newStages ? await people.MembersOfAsync(newStages, cancellationToken) : null;
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
                ExpectedVersion: change.ExpectedVersion);
            return await VoteAsync(record, approval, vote, caller, voter ?? Voter.None, cancellationToken);
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
        var voter = await VoterAsync(id, caller, cancellationToken);
        var record = await ApprovalStore.LockAsync(unit, id, cancellationToken);
        return record is null ? ApprovalErrors.NotFound(id) : await VoteAsync(record, record.ToAggregate(), vote, caller, voter, cancellationToken);
    }

    /// <summary>
    /// The caller as a voter, those who delegated to them, and the members of the groups the approval's stages count by
    /// member (read from its stages as they are now, without the lock; <see cref="VoteAsync(ApprovalRecord, Approval, VoteRequest, Caller, Voter, CancellationToken)"/>
    /// reads again the few that an edit in between may have named).
    /// </summary>
    private async Task<Voter> VoterAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        if (VotingPerson.Of(caller) is not { } self)
        {
            return Voter.None;
        }

        var (delegators, stages) = await approvals.ReadVoterContextAsync(id, self.Actor[Caller.UserPrefix.Length..], clock.GetUtcNow(), cancellationToken);
        return new Voter(self, delegators, stages.Count == 0 ? _ => [] : await people.MembersOfAsync(stages, cancellationToken), stages);
    }

    private async Task<Result<ApprovalRecord>> VoteAsync(
        ApprovalRecord record, Approval approval, VoteRequest vote, Caller caller, Voter voter, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (self, delegators, membersOf, stagesRead) = voter;
        if (!PolicyRules.SameStages(approval.Stages, stagesRead))
        {
            // Edited between the read and the lock (before any vote): its groups' members as they are named now.
            membersOf = await people.MembersOfAsync(approval.Stages, cancellationToken);
        }

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

    /// <summary>Writes the aggregate's change (and a decision's delivery jobs) in the unit of work.</summary>
    private async Task SaveAsync(ApprovalRecord record, Approval approval, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var write = new ApprovalChangeSet(record, approval);
        if (approval.DecisionTaken is { } decision)
        {
            QueueDeliveries(write, decision, now);
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

    /// <summary>The caller as a voter, the people who delegated to them, and the members of the groups the approval counts by member.</summary>
    private sealed record Voter(
        VotingPerson? Self, IReadOnlyList<VotingPerson> Delegators, Func<string, IReadOnlyList<string>> MembersOf, IReadOnlyList<ApprovalStage> Stages)
    {
        public static readonly Voter None = new(null, [], _ => [], []);
    }
}
