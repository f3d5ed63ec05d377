using System.Collections.Frozen;

namespace Approvals.Domain;

/// <summary>
/// The one place where the approval rules live: every (status, command) pair maps to a next status or a
/// named rejection. Code elsewhere asks <see cref="Evaluate"/>; it never compares statuses itself.
/// </summary>
public static class ApprovalStateMachine
{
    /// <summary>Every new approval starts here.</summary>
    public const ApprovalStatus InitialStatus = ApprovalStatus.Pending;

    private static readonly DomainError AwaitingDelivery = new(ErrorCodes.AwaitingDelivery,
        "The decision is being delivered to the downstream services; the approval is locked until delivery completes.");

    private static readonly DomainError CommentOnly = new(ErrorCodes.CommentOnly,
        "The approval is final; only its comment can change.");

    private static readonly FrozenDictionary<(ApprovalStatus From, ApprovalCommand Command), Transition> Table = Build();

    /// <summary>The full table, for documentation, the state-machine endpoint and tests.</summary>
    public static IReadOnlyDictionary<(ApprovalStatus From, ApprovalCommand Command), Transition> Rows => Table;

    public static Transition Evaluate(ApprovalStatus from, ApprovalCommand command) =>
        Table.TryGetValue((from, command), out var transition) ? transition : Transition.Reject(InvalidTransition(from, command));

    private static FrozenDictionary<(ApprovalStatus, ApprovalCommand), Transition> Build()
    {
        var rows = new Dictionary<(ApprovalStatus, ApprovalCommand), Transition>();

        void Row(ApprovalStatus from, ApprovalCommand command, Transition transition) => rows.Add((from, command), transition);

        // Open approvals: edits keep the status and send nothing; a decision locks the approval until delivery.
        foreach (var open in new[] { ApprovalStatus.Pending, ApprovalStatus.Error })
        {
            Row(open, ApprovalCommand.EditDetails, Transition.To(open));
            Row(open, ApprovalCommand.EditComment, Transition.To(open));
            Row(open, ApprovalCommand.Approve, Transition.To(ApprovalStatus.AcknowledgedApproved));
            Row(open, ApprovalCommand.Reject, Transition.To(ApprovalStatus.AcknowledgedRejected));
            Row(open, ApprovalCommand.Cancel, Transition.To(ApprovalStatus.AcknowledgedCancelled));
        }

        // Votes keep the approval PENDING; the vote that settles the policy decides (an Approve or Reject row above).
        Row(ApprovalStatus.Pending, ApprovalCommand.Vote, Transition.To(ApprovalStatus.Pending));

        // Deadlines act only on a PENDING approval: once decided (delivered or not, ERROR included) a passing
        // deadline or a reminder has nothing left to do, and the timer is cleared without an event.
        Row(ApprovalStatus.Pending, ApprovalCommand.DeadlineReject, Transition.To(ApprovalStatus.AcknowledgedRejected));
        Row(ApprovalStatus.Pending, ApprovalCommand.DeadlineCancel, Transition.To(ApprovalStatus.AcknowledgedCancelled));
        Row(ApprovalStatus.Pending, ApprovalCommand.DeadlineEscalate, Transition.To(ApprovalStatus.Pending));
        Row(ApprovalStatus.Pending, ApprovalCommand.Remind, Transition.To(ApprovalStatus.Pending));

        // Only a failed delivery can be sent again.
        Row(ApprovalStatus.Error, ApprovalCommand.RedeliverApproval, Transition.To(ApprovalStatus.AcknowledgedApproved));
        Row(ApprovalStatus.Error, ApprovalCommand.RedeliverRejection, Transition.To(ApprovalStatus.AcknowledgedRejected));
        Row(ApprovalStatus.Error, ApprovalCommand.RedeliverCancellation, Transition.To(ApprovalStatus.AcknowledgedCancelled));

        // Awaiting delivery: users are locked out; the dispatcher resolves. A downstream service may report a
        // different final status than the one asked for (the original contract), so every ACKNOWLEDGED state
        // accepts every delivered status.
        foreach (var acknowledged in new[] { ApprovalStatus.AcknowledgedApproved, ApprovalStatus.AcknowledgedRejected, ApprovalStatus.AcknowledgedCancelled })
        {
            foreach (var command in new[] { ApprovalCommand.EditDetails, ApprovalCommand.EditComment, ApprovalCommand.Approve, ApprovalCommand.Reject, ApprovalCommand.Cancel, ApprovalCommand.Vote })
            {
                Row(acknowledged, command, Transition.Reject(AwaitingDelivery));
            }

            Row(acknowledged, ApprovalCommand.DeliveredApproved, Transition.To(ApprovalStatus.Approved));
            Row(acknowledged, ApprovalCommand.DeliveredRejected, Transition.To(ApprovalStatus.Rejected));
            Row(acknowledged, ApprovalCommand.DeliveredCancelled, Transition.To(ApprovalStatus.Cancelled));
            Row(acknowledged, ApprovalCommand.DeliveryFailed, Transition.To(ApprovalStatus.Error));
        }

        // Final: the comment stays editable; everything else is refused.
        foreach (var final in new[] { ApprovalStatus.Approved, ApprovalStatus.Rejected, ApprovalStatus.Cancelled })
        {
            Row(final, ApprovalCommand.EditComment, Transition.To(final));
            foreach (var command in new[] { ApprovalCommand.EditDetails, ApprovalCommand.Approve, ApprovalCommand.Reject, ApprovalCommand.Cancel, ApprovalCommand.Vote })
            {
                Row(final, command, Transition.Reject(CommentOnly));
            }
        }

        // Every remaining pair (UNKNOWN included) is an explicit invalid transition, so the table is total.
        foreach (var status in ApprovalStatusNames.All)
        {
            foreach (var command in ApprovalCommandInfo.All)
            {
                rows.TryAdd((status, command), Transition.Reject(InvalidTransition(status, command)));
            }
        }

        return rows.ToFrozenDictionary();
    }

    private static DomainError InvalidTransition(ApprovalStatus from, ApprovalCommand command) =>
        new(ErrorCodes.InvalidTransition,
            $"'{command.ToWireName()}' is not allowed while the approval is {from.ToWireName()}.");
}
