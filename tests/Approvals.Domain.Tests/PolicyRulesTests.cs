using Approvals.Domain;

namespace Approvals.Domain.Tests;

/// <summary>The policy rules without a database: seats, who fills which, when a stage is met or can no longer be.</summary>
public class PolicyRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static ApprovalStage Stage(StagePolicy policy, params Approver[] approvers) => new("s", approvers, policy);

    private static Vote VoteBy(string seat, VoteChoice choice) => new(0, seat, seat, "user:x", null, choice, "", Now);

    private static IReadOnlyList<string> Seats(ApprovalStage stage) => PolicyRules.Seats(stage, _ => []);

    [Theory]
    [InlineData(PolicyMode.Any, null, "A", StageStanding.Approved)]
    [InlineData(PolicyMode.Any, null, "R", StageStanding.Open)]
    [InlineData(PolicyMode.Any, null, "RRR", StageStanding.Rejected)]
    [InlineData(PolicyMode.All, null, "AA", StageStanding.Open)]
    [InlineData(PolicyMode.All, null, "AAA", StageStanding.Approved)]
    [InlineData(PolicyMode.All, null, "R", StageStanding.Rejected)]
    [InlineData(PolicyMode.AtLeast, 2, "R", StageStanding.Open)]
    [InlineData(PolicyMode.AtLeast, 2, "RA", StageStanding.Open)]
    [InlineData(PolicyMode.AtLeast, 2, "RAA", StageStanding.Approved)]
    [InlineData(PolicyMode.AtLeast, 2, "RR", StageStanding.Rejected)]
    public void A_stage_is_met_when_enough_approve_and_rejected_only_once_it_can_no_longer_be_met(
        PolicyMode mode, int? count, string votes, StageStanding expected)
    {
        var stage = Stage(new StagePolicy(mode, count), new(ApproverKind.User, "a"), new(ApproverKind.User, "b"), new(ApproverKind.User, "c"));
        var seats = Seats(stage);
        var cast = votes.Select((v, i) => VoteBy(seats[i], v == 'A' ? VoteChoice.Approve : VoteChoice.Reject)).ToList();

        Assert.Equal(expected, PolicyRules.Evaluate(stage, seats, cast));
    }

    [Fact]
    public void A_group_is_one_seat_unless_the_policy_counts_members()
    {
        var finance = new Approver(ApproverKind.Group, "finance");
        IReadOnlyList<string> Members(string group) => group == "finance" ? ["bob", "carol"] : [];

        Assert.Equal(["group:finance"], PolicyRules.Seats(Stage(StagePolicy.AnyOne, finance), Members));
        Assert.Equal(["user:bob", "user:carol"], PolicyRules.Seats(Stage(new StagePolicy(PolicyMode.All, Members: true), finance), Members));
    }

    [Fact]
    public void A_person_fills_their_own_seat_first_then_a_group_then_a_role()
    {
        var stage = Stage(new StagePolicy(PolicyMode.All),
            new(ApproverKind.Role, "approver"), new(ApproverKind.Group, "finance"), new(ApproverKind.User, "bob"));
        var bob = new VotingPerson("user:1", "bob", new HashSet<string> { "finance" }, new HashSet<string> { "approver" });

        Assert.Equal(["user:bob", "role:approver", "group:finance"], PolicyRules.SeatsOf(bob, stage, Seats(stage)));
    }

    [Fact]
    public void Policies_that_can_never_be_met_and_malformed_ones_are_refused_per_field()
    {
        var errors = new FieldErrors();
        PolicyRules.Check([new ApprovalStage("", Array.Empty<Approver>(), new StagePolicy(PolicyMode.Any, 2))], errors, "stages");
        Assert.Equal(["stages[0].approvers", "stages[0].name", "stages[0].policy.count"], errors.ToError()!.FieldErrors!.Keys.Order());

        var unmeetable = PolicyRules.CheckMeetable(
            [Stage(new StagePolicy(PolicyMode.AtLeast, 3), new(ApproverKind.User, "a"), new(ApproverKind.User, "b"))], _ => [], "approvers")!;
        Assert.Equal((ErrorKind.Unprocessable, ErrorCodes.PolicyUnmeetable), (unmeetable.Kind, unmeetable.Code));
        Assert.Equal(["policy"], unmeetable.FieldErrors!.Keys);
    }

    [Fact]
    public void A_members_policy_over_an_empty_group_can_never_be_met()
    {
        var unmeetable = PolicyRules.CheckMeetable([Stage(new StagePolicy(PolicyMode.All, Members: true), new Approver(ApproverKind.Group, "empty"))], _ => [], "approvers");

        Assert.Equal(["policy"], unmeetable!.FieldErrors!.Keys);
    }
}
