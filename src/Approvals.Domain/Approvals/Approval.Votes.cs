namespace Approvals.Domain;

/// <summary>A vote as a caller asks for it; <paramref name="OnBehalfOf"/> names a person who delegated to the caller.</summary>
public sealed record VoteRequest(VoteChoice Choice, string? Comment = null, string? OnBehalfOf = null, ExpectedVersions? ExpectedVersions = null);

/// <summary>
/// What a vote needs beyond the approval, looked up by the use case: the time, the caller as a person (null for a
/// service key), the people who delegated to the caller and are active now, the members of the groups the open stage
/// counts by member, and whether the approval's service rules allow its creator to approve it.
/// </summary>
public sealed record VoteFacts(
    DateTimeOffset Now,
    VotingPerson? Self,
    IReadOnlyList<VotingPerson> Delegators,
    Func<string, IReadOnlyList<string>> MembersOf,
    bool SelfApprovalAllowed);

/// <summary>Approvers, stages and votes: the policy part of the aggregate.</summary>
public sealed partial class Approval
{
    private List<Vote> _votes = [];

    /// <summary>The policy's stages in order; empty when the approval names no approvers (anyone allowed decides alone).</summary>
    public IReadOnlyList<ApprovalStage> Stages { get; private set; } = [];

    /// <summary>The index of the stage whose approvers vote now (or voted last, once decided); null without stages.</summary>
    public int? OpenStage { get; private set; }

    /// <summary>Every vote cast, in order.</summary>
    public IReadOnlyList<Vote> Votes => _votes;

    public bool HasPolicy => Stages.Count > 0;

    /// <summary>The seats of the open stage while the approval takes votes (who may vote now); null otherwise.</summary>
    public IReadOnlyList<string>? OpenSeats =>
        PolicyRules.TakesVotes(Status) && OpenStage is { } open ? [.. Stages[open].Approvers.Select(a => a.Seat)] : null;

    /// <summary>
    /// Casts a vote for the caller, or for the person named in <see cref="VoteRequest.OnBehalfOf"/> who delegated to
    /// the caller, in the open stage. Raises <see cref="ApprovalEventType.VoteCast"/>; when the vote completes the last
    /// stage, or leaves a stage unable to be met, it also decides (approve or reject, exactly as a decision does).
    /// A person votes once per stage, and each seat (a user, a group, a role) takes one vote.
    /// </summary>
    public Result<bool> CastVote(VoteRequest request, Caller caller, VoteFacts facts)
    {
        if (request.ExpectedVersions is { } expected && !expected.Includes(Version))
        {
            return ApprovalErrors.VersionMismatch(Version);
        }

        if (!HasPolicy || OpenStage is not { } stageIndex)
        {
            return ApprovalErrors.NoPolicy(Id);
        }

        var stage = Stages[stageIndex];
        var seats = PolicyRules.Seats(stage, facts.MembersOf);
        var voter = ChooseVoter(request, facts, stage, seats);
        if (!voter.IsSuccess)
        {
            // Someone who may not see the approval learns nothing about it.
            return ApprovalAccessRules.CheckVisible(caller, Id, CreatedBy) ?? voter.Error!;
        }

        if (ApprovalStateMachine.Evaluate(Status, ApprovalCommand.Vote).Rejection is { } refused)
        {
            return refused;
        }

        var person = voter.Value!;
        var delegated = person.Actor != caller.Actor;
        if (ApprovalAccessRules.CheckVote(CreatedBy, caller, person, delegated, request.Choice, facts.SelfApprovalAllowed) is { } denied)
        {
            return denied;
        }

        if (_votes.Any(v => v.Stage == stageIndex && v.Voter == person.Username))
        {
            return ApprovalErrors.AlreadyVoted(person.Username, stage.Name);
        }

        var filled = _votes.Where(v => v.Stage == stageIndex).Select(v => v.Seat).ToHashSet(StringComparer.Ordinal);
        var seat = PolicyRules.SeatsOf(person, stage, seats).FirstOrDefault(s => !filled.Contains(s));
        if (seat is null)
        {
            return ApprovalErrors.SeatTaken(stage.Name);
        }

        var errors = new FieldErrors();
        ApprovalRules.CheckComment(request.Comment, errors);
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        var now = Timestamps.ToStoredPrecision(facts.Now);
        var vote = new Vote(stageIndex, seat, person.Username, person.Actor, delegated ? facts.Self!.Username : null, request.Choice,
            request.Comment ?? "", now);
        _votes.Add(vote);

        var standing = PolicyRules.Evaluate(stage, seats, _votes.Where(v => v.Stage == stageIndex));
        var changes = new List<FieldChange>();
        if (standing == StageStanding.Approved && stageIndex + 1 < Stages.Count)
        {
            changes.Add(new("openStage", stage.Name, Stages[stageIndex + 1].Name));
            OpenStage = stageIndex + 1;
        }

        Raise(ApprovalEventType.VoteCast, Status, caller, changes, new EventDetails { Vote = vote, StageName = stage.Name, StageOutcome = standing }, now);
        switch (standing)
        {
            case StageStanding.Approved when OpenStage == stageIndex:
                DecideByVote(Decision.Approve, caller, now);
                break;
            case StageStanding.Rejected:
                DecideByVote(Decision.Reject, caller, now);
                break;
        }

        return true;
    }

    /// <summary>The vote that settled the policy decides, through the table, as a decision does.</summary>
    private void DecideByVote(Decision decision, Caller caller, DateTimeOffset now)
    {
        var acknowledged = ApprovalStateMachine.Evaluate(Status, decision.ToCommand()).Target
            ?? throw new InvalidOperationException($"'{decision}' is not allowed while {Status}; the vote's row is checked first.");
        Decide(decision, acknowledged, caller, [], EventDetails.None, now);
    }

    /// <summary>Whose vote this is: the person named as delegator, else the caller when they hold a seat, else the one delegator who does.</summary>
    private Result<VotingPerson> ChooseVoter(VoteRequest request, VoteFacts facts, ApprovalStage stage, IReadOnlyList<string> seats)
    {
        if (facts.Self is not { } self)
        {
            return ApprovalErrors.NotAnApprover("Only people vote; a service key decides approvals without approvers.");
        }

        if (request.OnBehalfOf is { } name && name != self.Username)
        {
            var delegator = facts.Delegators.FirstOrDefault(d => d.Username == name);
            if (delegator is null)
            {
                return ApprovalErrors.NotAnApprover($"'{name}' has no active delegation to you.");
            }

            return PolicyRules.SeatsOf(delegator, stage, seats).Any()
                ? delegator
                : ApprovalErrors.NotAnApprover($"'{name}' is not an approver of the stage '{stage.Name}'.");
        }

        if (request.OnBehalfOf is not null || PolicyRules.SeatsOf(self, stage, seats).Any())
        {
            return PolicyRules.SeatsOf(self, stage, seats).Any()
                ? self
                : ClosedStageOf(self, facts) ?? ApprovalErrors.NotAnApprover($"You are not an approver of the stage '{stage.Name}'.");
        }

        var delegators = facts.Delegators.Where(d => PolicyRules.SeatsOf(d, stage, seats).Any()).ToList();
        return delegators.Count switch
        {
            1 => delegators[0],
            0 => ClosedStageOf(self, facts)
                ?? ApprovalErrors.NotAnApprover($"You are not an approver of the stage '{stage.Name}', nor is anyone who delegated to you."),
            _ => DomainError.Validation("onBehalfOf",
                $"Several people who delegated to you may vote here ({string.Join(", ", delegators.Select(d => d.Username))}); name one."),
        };
    }

    /// <summary>409 when <paramref name="person"/> held a seat in a stage that is already approved (closed); else null.</summary>
    private DomainError? ClosedStageOf(VotingPerson person, VoteFacts facts)
    {
        for (var index = 0; index < OpenStage; index++)
        {
            var closed = Stages[index];
            if (PolicyRules.SeatsOf(person, closed, PolicyRules.Seats(closed, facts.MembersOf)).Any())
            {
                return ApprovalErrors.StageClosed(closed.Name, Stages[OpenStage.Value].Name);
            }
        }

        return null;
    }

    /// <summary>Sets or replaces the stages (create, or an edit while no vote is cast); the first stage opens.</summary>
    private void SetStages(IReadOnlyList<ApprovalStage> stages)
    {
        Stages = [.. stages];
        OpenStage = stages.Count > 0 ? 0 : null;
    }

    private void LoadPolicy(IReadOnlyList<ApprovalStage>? stages, int? openStage, IReadOnlyList<Vote>? votes)
    {
        Stages = stages ?? [];
        OpenStage = openStage;
        _votes = votes is null ? [] : [.. votes];
    }
}
