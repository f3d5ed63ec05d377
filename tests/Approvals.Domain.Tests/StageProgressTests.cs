using Approvals.Domain;

namespace Approvals.Domain.Tests;

/// <summary>How far a policy has come: the open stage, its approvals so far and those it needs.</summary>
public class StageProgressTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    private static readonly ApprovalStage Managers = new("managers", [new(ApproverKind.User, "ann"), new(ApproverKind.User, "ben")], new(PolicyMode.All));

    private static readonly ApprovalStage Finance = new("finance", [new(ApproverKind.Group, "finance")], new(PolicyMode.AtLeast, 2, Members: true));

    private static Vote VoteBy(int stage, string voter, VoteChoice choice) => new(stage, "user:" + voter, voter, "user:" + voter, null, choice, "", Now);

    [Fact]
    public void The_open_stage_counts_its_approvals_only_against_what_its_policy_needs()
    {
        var votes = new[] { VoteBy(0, "ann", VoteChoice.Approve), VoteBy(0, "ben", VoteChoice.Approve), VoteBy(1, "cy", VoteChoice.Approve), VoteBy(1, "di", VoteChoice.Reject) };

        Assert.Equal(new StageProgress(0, 2, "managers", 2, 2), StageProgress.Of([Managers, Finance], 0, votes[..2], _ => []));
        Assert.Equal(new StageProgress(1, 2, "finance", 1, 2),
            StageProgress.Of([Managers, Finance], 1, votes, group => group == "finance" ? ["cy", "di", "ed"] : []));
    }

    [Fact]
    public void All_counts_the_seats_of_the_stage_including_each_member_when_members_count()
    {
        var everyone = Finance with { Policy = new StagePolicy(PolicyMode.All, Members: true) };

        Assert.Equal(3, StageProgress.Of([everyone], 0, [], _ => ["cy", "di", "ed"])!.Needed);
        Assert.Equal(1, StageProgress.Of([Managers with { Policy = StagePolicy.AnyOne }], 0, [], _ => [])!.Needed);
    }

    [Fact]
    public void Without_approvers_there_is_no_progress_to_show()
    {
        Assert.Null(StageProgress.Of([], null, [], _ => []));
        Assert.Null(StageProgress.Of([Managers], null, [], _ => []));
        Assert.Null(StageProgress.Of([Managers], 3, [], _ => []));
    }
}
