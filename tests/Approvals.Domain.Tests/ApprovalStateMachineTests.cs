using Approvals.Domain;

namespace Approvals.Domain.Tests;

public class ApprovalStateMachineTests
{
    // The expected table, written out independently of the implementation: one row per status, one column per
    // command in ApprovalCommand order. A status name is the target; a code is the rejection.
    private const string Await = ErrorCodes.AwaitingDelivery;
    private const string Comment = ErrorCodes.CommentOnly;
    private const string Invalid = ErrorCodes.InvalidTransition;

    private static readonly ApprovalCommand[] Columns =
    [
        ApprovalCommand.EditDetails, ApprovalCommand.EditComment,
        ApprovalCommand.Approve, ApprovalCommand.Reject, ApprovalCommand.Cancel,
        ApprovalCommand.DeliveredApproved, ApprovalCommand.DeliveredRejected, ApprovalCommand.DeliveredCancelled,
        ApprovalCommand.DeliveryFailed,
        ApprovalCommand.RedeliverApproval, ApprovalCommand.RedeliverRejection, ApprovalCommand.RedeliverCancellation,
        ApprovalCommand.Vote, ApprovalCommand.DeadlineReject, ApprovalCommand.DeadlineCancel, ApprovalCommand.Remind,
        ApprovalCommand.DeadlineEscalate,
    ];

    private static readonly Dictionary<ApprovalStatus, string[]> Expected = new()
    {
        [ApprovalStatus.Unknown] = [Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid],
        [ApprovalStatus.Error] = ["ERROR", "ERROR", "ACKNOWLEDGED_APPROVED", "ACKNOWLEDGED_REJECTED", "ACKNOWLEDGED_CANCELLED", Invalid, Invalid, Invalid, Invalid, "ACKNOWLEDGED_APPROVED", "ACKNOWLEDGED_REJECTED", "ACKNOWLEDGED_CANCELLED", Invalid, Invalid, Invalid, Invalid, Invalid],
        [ApprovalStatus.Pending] = ["PENDING", "PENDING", "ACKNOWLEDGED_APPROVED", "ACKNOWLEDGED_REJECTED", "ACKNOWLEDGED_CANCELLED", Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, "PENDING", "ACKNOWLEDGED_REJECTED", "ACKNOWLEDGED_CANCELLED", "PENDING", "PENDING"],
        [ApprovalStatus.Approved] = [Comment, "APPROVED", Comment, Comment, Comment, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Comment, Invalid, Invalid, Invalid, Invalid],
        [ApprovalStatus.Rejected] = [Comment, "REJECTED", Comment, Comment, Comment, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Comment, Invalid, Invalid, Invalid, Invalid],
        [ApprovalStatus.Cancelled] = [Comment, "CANCELLED", Comment, Comment, Comment, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Comment, Invalid, Invalid, Invalid, Invalid],
        [ApprovalStatus.AcknowledgedApproved] = [Await, Await, Await, Await, Await, "APPROVED", "REJECTED", "CANCELLED", "ERROR", Invalid, Invalid, Invalid, Await, Invalid, Invalid, Invalid, Invalid],
        [ApprovalStatus.AcknowledgedRejected] = [Await, Await, Await, Await, Await, "APPROVED", "REJECTED", "CANCELLED", "ERROR", Invalid, Invalid, Invalid, Await, Invalid, Invalid, Invalid, Invalid],
        [ApprovalStatus.AcknowledgedCancelled] = [Await, Await, Await, Await, Await, "APPROVED", "REJECTED", "CANCELLED", "ERROR", Invalid, Invalid, Invalid, Await, Invalid, Invalid, Invalid, Invalid],
    };

    public static TheoryData<ApprovalStatus, ApprovalCommand, string> EveryPair()
    {
        var data = new TheoryData<ApprovalStatus, ApprovalCommand, string>();
        foreach (var (status, row) in Expected)
        {
            for (var column = 0; column < Columns.Length; column++)
            {
                data.Add(status, Columns[column], row[column]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_status_and_command_pair_has_the_expected_outcome(ApprovalStatus from, ApprovalCommand command, string expected)
    {
        var transition = ApprovalStateMachine.Evaluate(from, command);

        var actual = transition.IsAllowed ? transition.Target!.Value.ToWireName() : transition.Rejection!.Code;
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_expected_table_covers_every_status_and_every_command()
    {
        Assert.Equal(ApprovalStatusNames.All.Order(), Expected.Keys.Order());
        Assert.Equal(ApprovalCommandInfo.All.Order(), Columns.Order());
        Assert.Equal(ApprovalStatusNames.All.Count * ApprovalCommandInfo.All.Count, ApprovalStateMachine.Rows.Count);
    }

    [Fact]
    public void No_transition_enters_unknown_and_new_approvals_start_pending()
    {
        Assert.DoesNotContain(ApprovalStateMachine.Rows.Values, t => t.Target == ApprovalStatus.Unknown);
        Assert.Equal(ApprovalStatus.Pending, ApprovalStateMachine.InitialStatus);
    }

    [Fact]
    public void Rejections_are_conflicts_with_a_message()
    {
        foreach (var rejection in ApprovalStateMachine.Rows.Values.Where(t => !t.IsAllowed).Select(t => t.Rejection!))
        {
            Assert.Equal(ErrorKind.Conflict, rejection.Kind);
            Assert.False(string.IsNullOrWhiteSpace(rejection.Message));
        }
    }

    [Theory]
    [InlineData(ApprovalStatus.Approved, ApprovalCommand.DeliveredApproved)]
    [InlineData(ApprovalStatus.Rejected, ApprovalCommand.DeliveredRejected)]
    [InlineData(ApprovalStatus.Cancelled, ApprovalCommand.DeliveredCancelled)]
    public void Delivered_command_matches_the_reported_final_status(ApprovalStatus reported, ApprovalCommand expected) =>
        Assert.Equal(expected, ApprovalCommandInfo.DeliveredCommandFor(reported));

    [Theory]
    [InlineData(ApprovalStatus.Pending)]
    [InlineData(ApprovalStatus.Error)]
    [InlineData(ApprovalStatus.AcknowledgedApproved)]
    public void Non_final_reported_statuses_have_no_delivered_command(ApprovalStatus reported) =>
        Assert.Null(ApprovalCommandInfo.DeliveredCommandFor(reported));
}
