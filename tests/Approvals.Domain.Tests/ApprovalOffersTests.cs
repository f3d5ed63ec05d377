using Approvals.Domain;

namespace Approvals.Domain.Tests;

/// <summary>
/// What a caller is offered (<see cref="Approval.ActionsFor"/>): exactly what the vote and decision rules would let
/// them do now, so a page never offers an action the aggregate then refuses for a reason it could have known.
/// </summary>
public class ApprovalOffersTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
    private static readonly Permission RequesterRights = Permission.ReadOwn | Permission.Create | Permission.EditOwn | Permission.CancelOwn;
    private static readonly Permission ApproverRights = Permission.ReadAll | Permission.Decide | Permission.CancelOwn;
    private static readonly Caller Alice = Person("alice", RequesterRights);
    private static readonly Caller Bob = Person("bob", ApproverRights, groups: ["finance"]);
    private static readonly Caller Carol = Person("carol", ApproverRights, groups: ["finance"]);
    private static readonly Caller Dave = Person("dave", ApproverRights);

    private static Caller Person(string username, Permission rights, string[]? groups = null) =>
        new($"user:{username}-id", null, rights) { Username = username, Groups = (groups ?? []).ToHashSet(), Roles = new HashSet<string>() };

    private static VotingPerson Voter(Caller caller) => VotingPerson.Of(caller)!;

    private static VoteFacts Facts(Caller caller, bool selfApprovalAllowed = false, params Caller[] delegators) =>
        new(Now, VotingPerson.Of(caller), [.. delegators.Select(Voter)], _ => [], selfApprovalAllowed);

    private static Approval Create(params ApprovalStage[] stages) =>
        Approval.Create(new ApprovalDraft("Laptop", "For design", Now.AddDays(3), null, [1], Stages: stages.Length == 0 ? null : stages), Alice, Now).Value!;

    private static ApprovalStage Stage(string name, StagePolicy policy, params Approver[] approvers) => new(name, approvers, policy);

    private static Approver User(string name) => new(ApproverKind.User, name);

    [Fact]
    public void A_named_approver_is_offered_their_vote_once_and_cancel_while_the_stage_is_open()
    {
        var approval = Create(Stage("s", new StagePolicy(PolicyMode.All), User("bob"), User("dave")));

        var offered = approval.ActionsFor(Bob, Facts(Bob));
        Assert.Equal(["bob"], offered.Voters.Select(v => v.Username));
        Assert.Equal((false, false, true), (offered.Approve, offered.Reject, offered.Cancel));

        Assert.True(approval.CastVote(new VoteRequest(VoteChoice.Approve), Bob, Facts(Bob)).IsSuccess);
        Assert.Empty(approval.ActionsFor(Bob, Facts(Bob)).Voters);
        Assert.Equal(["dave"], approval.ActionsFor(Dave, Facts(Dave)).Voters.Select(v => v.Username));
    }

    [Fact]
    public void Someone_without_a_seat_in_the_open_stage_is_offered_no_vote_and_the_requester_only_cancel()
    {
        var approval = Create(Stage("manager", StagePolicy.AnyOne, User("bob")), Stage("finance", StagePolicy.AnyOne, User("dave")));

        Assert.Empty(approval.ActionsFor(Dave, Facts(Dave)).Voters); // dave's stage waits
        var requester = approval.ActionsFor(Alice, Facts(Alice));
        Assert.Equal((0, false, false, true), (requester.Voters.Count, requester.Approve, requester.Reject, requester.Cancel));
    }

    [Fact]
    public void A_group_seat_is_offered_until_one_member_filled_it()
    {
        var approval = Create(Stage("s", StagePolicy.AnyOne, new Approver(ApproverKind.Group, "finance"), User("dave")));
        Assert.Single(approval.ActionsFor(Carol, Facts(Carol)).Voters);

        Assert.True(approval.CastVote(new VoteRequest(VoteChoice.Reject), Bob, Facts(Bob)).IsSuccess);

        Assert.Empty(approval.ActionsFor(Carol, Facts(Carol)).Voters);
    }

    [Fact]
    public void A_delegate_is_offered_the_vote_of_whoever_delegated_to_them()
    {
        var approval = Create(Stage("s", StagePolicy.AnyOne, User("bob")));

        var offered = approval.ActionsFor(Dave, Facts(Dave, delegators: Bob));

        Assert.Equal(["bob"], offered.Voters.Select(v => v.Username));
    }

    [Fact]
    public void The_four_eyes_rule_holds_for_offers_as_for_votes_and_decisions()
    {
        var named = Create(Stage("s", StagePolicy.AnyOne, User("alice"), User("bob")));
        var creator = Alice with { Permissions = Permission.All };
        Assert.Empty(named.ActionsFor(creator, Facts(creator)).Voters);
        Assert.Single(named.ActionsFor(creator, Facts(creator, selfApprovalAllowed: true)).Voters);

        // Never through a delegation, in either direction.
        Assert.Empty(named.ActionsFor(Dave, Facts(Dave, selfApprovalAllowed: true, delegators: Alice)).Voters);

        var open = Create();
        var decisions = open.ActionsFor(creator, Facts(creator));
        Assert.Equal((false, false, true), (decisions.Approve, decisions.Reject, decisions.Cancel));
        Assert.True(open.ActionsFor(creator, Facts(creator, selfApprovalAllowed: true)).Approve);
    }

    [Fact]
    public void Without_named_approvers_anyone_who_may_decide_is_offered_the_decision_and_nobody_a_vote()
    {
        var approval = Create();

        var offered = approval.ActionsFor(Bob, Facts(Bob));

        Assert.Equal((0, true, true, true), (offered.Voters.Count, offered.Approve, offered.Reject, offered.Cancel));
        var otherRequester = Alice with { Actor = "user:someone-else" };
        Assert.False(approval.ActionsFor(otherRequester, Facts(otherRequester)).Any);
    }

    [Fact]
    public void Once_decided_nothing_is_offered_to_anyone()
    {
        var approval = Create(Stage("s", StagePolicy.AnyOne, User("bob")));
        Assert.True(approval.CastVote(new VoteRequest(VoteChoice.Approve), Bob, Facts(Bob)).IsSuccess);

        Assert.Equal(ApprovalStatus.AcknowledgedApproved, approval.Status);
        Assert.False(approval.TakesActions);
        Assert.False(approval.ActionsFor(Bob, Facts(Bob)).Any);
        Assert.False(approval.ActionsFor(Alice, Facts(Alice)).Any);
    }
}
