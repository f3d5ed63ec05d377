namespace Approvals.Domain;

/// <summary>
/// What a caller could do to an approval now: the people they may vote as (themselves, or someone who delegated to
/// them) and whether they may approve, reject or cancel it by a decision. An offer, for a page's buttons; the
/// operations themselves (<see cref="Approval.CastVote"/>, <see cref="Approval.Change"/>) still judge.
/// </summary>
public sealed record ActionsOffered(IReadOnlyList<VotingPerson> Voters, bool Approve, bool Reject, bool Cancel)
{
    public static readonly ActionsOffered None = new([], false, false, false);

    public bool Any => Voters.Count > 0 || Approve || Reject || Cancel;
}

/// <summary>Offers: the rules of votes and decisions asked without acting.</summary>
public sealed partial class Approval
{
    /// <summary>Whether anyone could still vote on or decide the approval in its status (the table's vote and cancel rows).</summary>
    public bool TakesActions => PolicyRules.TakesVotes(Status) || ApprovalStateMachine.Evaluate(Status, ApprovalCommand.Cancel).IsAllowed;

    /// <summary>
    /// What <paramref name="caller"/> could do now, by the rules <see cref="CastVote"/> and <see cref="Change"/> apply:
    /// an approval that names approvers is approved or rejected only by the votes of the open stage's seats; one that
    /// names none by a decision of someone who may decide it; cancelling is a decision in both. The four-eyes rule
    /// holds in each (<see cref="VoteFacts.SelfApprovalAllowed"/>).
    /// </summary>
    public ActionsOffered ActionsFor(Caller caller, VoteFacts facts)
    {
        if (!TakesActions)
        {
            return ActionsOffered.None;
        }

        bool MayDecide(Decision decision) => ApprovalStateMachine.Evaluate(Status, decision.ToCommand()).IsAllowed
            && ApprovalAccessRules.CheckChange(caller, CreatedBy, editsDetails: false, editsComment: false, decision, facts.SelfApprovalAllowed) is null;

        return new ActionsOffered(
            HasPolicy ? VotersAmong(caller, facts) : [],
            !HasPolicy && MayDecide(Decision.Approve),
            !HasPolicy && MayDecide(Decision.Reject),
            MayDecide(Decision.Cancel));
    }

    /// <summary>
    /// The caller (first) and the people who delegated to them who could cast a vote in the open stage now: each holds
    /// a seat without a vote, has not voted in the stage, and may vote on this approval by the four-eyes rule.
    /// </summary>
    private List<VotingPerson> VotersAmong(Caller caller, VoteFacts facts)
    {
        if (!PolicyRules.TakesVotes(Status) || OpenStage is not { } stageIndex || facts.Self is not { } self)
        {
            return [];
        }

        var stage = Stages[stageIndex];
        var seats = PolicyRules.Seats(stage, facts.MembersOf);
        var stageVotes = _votes.Where(v => v.Stage == stageIndex).ToList();
        var filled = stageVotes.Select(v => v.Seat).ToHashSet(StringComparer.Ordinal);
        return [.. new[] { self }.Concat(facts.Delegators).Where(person =>
            !stageVotes.Any(v => v.Voter == person.Username)
            && PolicyRules.SeatsOf(person, stage, seats).Any(seat => !filled.Contains(seat))
            && ApprovalAccessRules.CheckVote(CreatedBy, caller, person, person.Actor != caller.Actor, VoteChoice.Approve, facts.SelfApprovalAllowed) is null)];
    }
}
