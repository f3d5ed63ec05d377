using Approvals.Domain;

namespace Approvals.Domain.Tests;

/// <summary>The aggregate: each operation validates, asks the table, changes state and raises exactly its events.</summary>
public class ApprovalAggregateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Caller Requester = new("user:alice", "corr-1", Permission.ReadOwn | Permission.Create | Permission.EditOwn | Permission.CancelOwn);
    private static readonly Caller Approver = new("user:bob", "corr-2", Permission.ReadAll | Permission.Decide);
    private static readonly Caller Dispatcher = Caller.System("dispatcher");

    [Fact]
    public void Create_validates_and_raises_the_created_event_with_every_field()
    {
        var invalid = Approval.Create(new ApprovalDraft("", null, null, null, []), Requester, Now);
        Assert.Equal(["deadline", "description", "serviceRules", "title"], invalid.Error!.FieldErrors!.Keys.Order(StringComparer.Ordinal));

        var approval = NewApproval();
        var created = Assert.Single(approval.Events);
        Assert.Equal((ApprovalEventType.Created, 1, 1), (created.Type, created.Sequence, approval.Version));
        Assert.Equal((null, ApprovalStatus.Pending), (created.StatusBefore, created.StatusAfter));
        Assert.Equal(["title", "description", "comment", "deadline", "serviceRules"], created.Changes.Select(c => c.Field));
        Assert.All(created.Changes, c => Assert.Null(c.Old));
        Assert.Equal(("user:alice", "corr-1"), (created.Actor, created.CorrelationId));
    }

    [Fact]
    public void Edits_raise_edited_or_comment_edited_and_nothing_when_nothing_changes()
    {
        var approval = Loaded(NewApproval());
        var facts = new ChangeFacts(Now);

        Assert.False(approval.Change(new ApprovalChange(new ApprovalEdit(Title: "Laptop")), Requester, facts).Value);
        Assert.Empty(approval.Events);

        Assert.True(approval.Change(new ApprovalChange(new ApprovalEdit(Comment: "more")), Requester, facts).Value);
        Assert.True(approval.Change(new ApprovalChange(new ApprovalEdit(Title: "Desk", Comment: "again")), Requester, facts).Value);
        Assert.Equal([ApprovalEventType.CommentEdited, ApprovalEventType.Edited], approval.Events.Select(e => e.Type));
        Assert.Equal([2, 3], approval.Events.Select(e => e.Sequence));
        Assert.Equal(3, approval.Version);
        Assert.Equal(["title", "comment"], approval.Events[1].Changes.Select(c => c.Field));
        Assert.Equal(("Laptop", "Desk"), ((string?)approval.Events[1].Changes[0].Old, (string?)approval.Events[1].Changes[0].New));
    }

    [Fact]
    public void A_change_applies_to_any_of_the_expected_versions_and_to_none_when_none_is_expected()
    {
        var approval = Loaded(NewApproval());

        Assert.Equal(ErrorCodes.VersionMismatch,
            approval.Change(new ApprovalChange(new ApprovalEdit(Title: "x"), ExpectedVersions: new ExpectedVersions()), Requester, new ChangeFacts(Now)).Error!.Code);
        Assert.Equal(ErrorCodes.VersionMismatch,
            approval.Change(new ApprovalChange(new ApprovalEdit(Title: "x"), ExpectedVersions: new ExpectedVersions(2, 3)), Requester, new ChangeFacts(Now)).Error!.Code);
        Assert.Empty(approval.Events);

        Assert.True(approval.Change(new ApprovalChange(new ApprovalEdit(Title: "x"), ExpectedVersions: new ExpectedVersions(7, approval.Version)), Requester, new ChangeFacts(Now)).Value);
        Assert.Single(approval.Events);
    }

    [Fact]
    public void A_refused_change_raises_nothing_and_changes_nothing()
    {
        var approval = Loaded(NewApproval());

        Assert.Equal(ErrorCodes.VersionMismatch,
            approval.Change(new ApprovalChange(new ApprovalEdit(Title: "x"), ExpectedVersions: new ExpectedVersions(7)), Requester, new ChangeFacts(Now)).Error!.Code);
        Assert.Equal(ErrorCodes.SelfApprovalForbidden,
            approval.Change(new ApprovalChange(new ApprovalEdit(), Decision.Approve), Requester with { Permissions = Permission.All }, new ChangeFacts(Now)).Error!.Code);
        Assert.Equal(ErrorCodes.ServiceRuleUnknown,
            approval.Change(new ApprovalChange(new ApprovalEdit(ServiceRules: [1, 9])), Requester, new ChangeFacts(Now, UsableServiceRules: [1])).Error!.Code);
        Assert.Equal(ErrorCodes.DeadlineInPast,
            approval.Change(new ApprovalChange(new ApprovalEdit(Deadline: Now.AddDays(-1))), Requester, new ChangeFacts(Now)).Error!.Code);

        Assert.Empty(approval.Events);
        Assert.Equal((ApprovalStatus.Pending, 1, "Laptop"), (approval.Status, approval.Version, approval.Title));
        Assert.Equal([1], approval.ServiceRules);
    }

    [Fact]
    public void A_decision_moves_through_the_table_takes_a_decision_and_records_the_cleared_error()
    {
        var failed = Approval.Load(Guid.CreateVersion7(), "Laptop", "For design", "", ApprovalStatus.Error, ApprovalStatus.AcknowledgedApproved,
            Now.AddDays(7), "user:alice", Now, 5, Guid.CreateVersion7(), new DeliveryError(ErrorCodes.DeliveryRejected, "HTTP 404", 1, Now), [1, 2]);

        Assert.True(failed.Change(new ApprovalChange(new ApprovalEdit(Comment: "retry"), Decision.Reject), Approver, new ChangeFacts(Now)).Value);

        var decided = Assert.Single(failed.Events);
        Assert.Equal((ApprovalEventType.Decided, 6, ApprovalStatus.Error, ApprovalStatus.AcknowledgedRejected),
            (decided.Type, decided.Sequence, decided.StatusBefore, decided.StatusAfter));
        Assert.Equal(["comment", "lastError"], decided.Changes.Select(c => c.Field));
        Assert.Null(decided.Changes[1].New);
        Assert.Null(failed.LastError);
        Assert.Equal(Decision.Reject, decided.Details.Decision);
        Assert.True(failed.DecisionTaken!.SupersedesEarlier);
        Assert.Equal(failed.CurrentDecisionId, decided.Details.DecisionId);

        Assert.Equal(ErrorCodes.AwaitingDelivery,
            failed.Change(new ApprovalChange(new ApprovalEdit(Comment: "late")), Approver with { Permissions = Permission.All }, new ChangeFacts(Now)).Error!.Code);
    }

    [Fact]
    public void A_delivery_outcome_is_an_event_and_the_last_one_resolves_the_approval()
    {
        var approval = Decided(out var decisionId);
        var first = new DeliveryOutcome(Guid.NewGuid(), decisionId, 1, Succeeded: true, Attempts: 1, ApprovalStatus.Approved);
        Assert.Null(approval.RecordDeliveryOutcome(first, [Standing(1, DeliveryState.Succeeded), Standing(2, DeliveryState.Sending)], Dispatcher, Now));
        Assert.Equal(ApprovalStatus.AcknowledgedApproved, approval.Status);

        var second = first with { JobId = Guid.NewGuid(), ServiceRule = 2 };
        Assert.Null(approval.RecordDeliveryOutcome(second, [Standing(2, DeliveryState.Succeeded), Standing(1, DeliveryState.Succeeded)], Dispatcher, Now));

        Assert.Equal(
            [ApprovalEventType.DeliverySucceeded, ApprovalEventType.DeliverySucceeded, ApprovalEventType.Resolved],
            approval.Events.Select(e => e.Type));
        Assert.Equal([3, 4, 5], approval.Events.Select(e => e.Sequence));
        Assert.Equal(ApprovalStatus.Approved, approval.Status);
        Assert.Equal((second.JobId, ApprovalStatus.Approved), (approval.Events[1].Details.JobId, approval.Events[1].Details.ReportedStatus));
    }

    [Fact]
    public void A_failed_job_errors_the_approval_and_a_sibling_success_afterwards_is_still_recorded()
    {
        var approval = Decided(out var decisionId);
        var failure = new DeliveryOutcome(Guid.NewGuid(), decisionId, 2, Succeeded: false, Attempts: 3, ErrorCode: ErrorCodes.DeliveryRejected, Error: "HTTP 404");
        approval.RecordDeliveryOutcome(failure, [Standing(2, DeliveryState.Failed), Standing(1, DeliveryState.Sending)], Dispatcher, Now);
        Assert.Equal(ApprovalStatus.Error, approval.Status);
        var errored = approval.Events[^1];
        Assert.Equal((ApprovalEventType.Errored, "lastError"), (errored.Type, Assert.Single(errored.Changes).Field));

        var success = new DeliveryOutcome(Guid.NewGuid(), decisionId, 1, Succeeded: true, Attempts: 1, ApprovalStatus.Approved);
        var refused = approval.RecordDeliveryOutcome(success, [Standing(1, DeliveryState.Succeeded), Standing(2, DeliveryState.Failed)], Dispatcher, Now);

        Assert.Equal(ErrorCodes.InvalidTransition, refused!.Code);
        Assert.Equal(ApprovalEventType.DeliverySucceeded, approval.Events[^1].Type);
        Assert.Equal(ApprovalStatus.Error, approval.Status);
    }

    [Fact]
    public void Redelivery_needs_a_failed_job_of_the_current_decision_and_clears_the_error()
    {
        var approval = Decided(out var decisionId);
        var jobId = Guid.NewGuid();
        var failure = new DeliveryOutcome(jobId, decisionId, 1, Succeeded: false, Attempts: 1, ErrorCode: ErrorCodes.DeliveryRejected, Error: "HTTP 404");
        approval.RecordDeliveryOutcome(failure, [Standing(1, DeliveryState.Failed)], Dispatcher, Now);

        var admin = new Caller("user:root", null, Permission.All);
        Assert.Equal(ErrorCodes.DeliveryNotRetryable, approval.Redeliver(
            new RedeliveryTarget(jobId, Guid.NewGuid(), 1, DeliveryState.Failed, ApprovalStatus.Approved, RuleEnabled: true), admin, Now)!.Code);
        Assert.Equal(ErrorCodes.DeliveryNotRetryable, approval.Redeliver(
            new RedeliveryTarget(jobId, decisionId, 1, DeliveryState.Succeeded, ApprovalStatus.Approved, RuleEnabled: true), admin, Now)!.Code);
        var disabled = approval.Redeliver(new RedeliveryTarget(jobId, decisionId, 1, DeliveryState.Failed, ApprovalStatus.Approved, RuleEnabled: false), admin, Now);
        Assert.Equal((ErrorKind.Conflict, ErrorCodes.ServiceRuleDisabled), (disabled?.Kind, disabled?.Code));
        Assert.Equal(ApprovalStatus.Error, approval.Status);

        Assert.Null(approval.Redeliver(new RedeliveryTarget(jobId, decisionId, 1, DeliveryState.Failed, ApprovalStatus.Approved, RuleEnabled: true), admin, Now));
        var redelivered = approval.Events[^1];
        Assert.Equal((ApprovalEventType.Redelivered, ApprovalStatus.Error, ApprovalStatus.AcknowledgedApproved),
            (redelivered.Type, redelivered.StatusBefore, redelivered.StatusAfter));
        Assert.Equal("lastError", Assert.Single(redelivered.Changes).Field);
        Assert.Null(approval.LastError);
    }

    private static Approval NewApproval() =>
        Approval.Create(new ApprovalDraft("Laptop", "For design", Now.AddDays(7), "first", [1]), Requester, Now).Value!;

    /// <summary>The approval as a later request loads it: its state, without the events raised when it was created.</summary>
    private static Approval Loaded(Approval a) => Approval.Load(a.Id, a.Title, a.Description, a.Comment, a.Status, a.PreviousStatus,
        a.Deadline, a.CreatedBy, a.CreatedAt, a.Version, a.CurrentDecisionId, a.LastError, a.ServiceRules);

    private static Approval Decided(out Guid decisionId)
    {
        var approval = Approval.Create(new ApprovalDraft("Laptop", "For design", Now.AddDays(7), null, [1, 2]), Requester, Now).Value!;
        approval = Loaded(approval);
        approval.Change(new ApprovalChange(new ApprovalEdit(), Decision.Approve), Approver, new ChangeFacts(Now));
        decisionId = approval.CurrentDecisionId!.Value;
        return Loaded(approval);
    }

    private static JobStanding Standing(int rule, DeliveryState state) =>
        new(rule, $"rule-{rule}", state, state == DeliveryState.Succeeded ? ApprovalStatus.Approved : null,
            state == DeliveryState.Failed ? ErrorCodes.DeliveryRejected : null, state == DeliveryState.Failed ? "HTTP 404" : null);
}
