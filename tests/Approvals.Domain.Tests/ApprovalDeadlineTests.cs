using Approvals.Domain;

namespace Approvals.Domain.Tests;

/// <summary>Deadlines that act and reminders: the settings' rules, the timers an approval schedules, and what a timer does.</summary>
public class ApprovalDeadlineTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Deadline = Now.AddDays(7);
    private static readonly Caller Requester = new("user:alice", "corr-1", Permission.ReadOwn | Permission.Create | Permission.EditOwn | Permission.CancelOwn);
    private static readonly Caller Approver = new("user:bob", "corr-2", Permission.ReadAll | Permission.Decide);

    [Theory]
    [InlineData("PT1H", 3600)]
    [InlineData("PT24H", 86_400)]
    [InlineData("P1D", 86_400)]
    [InlineData("P1DT12H", 129_600)]
    [InlineData("PT90M", 5400)]
    [InlineData("PT1H30M15S", 5415)]
    [InlineData("P2W", 1_209_600)]
    [InlineData("PT0S", 0)]
    public void Iso_8601_durations_of_weeks_to_seconds_are_read(string text, int seconds)
    {
        Assert.True(Reminder.TryParse(text, out var reminder));
        Assert.Equal((text, TimeSpan.FromSeconds(seconds)), (reminder.Text, reminder.Before));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1DT")]
    [InlineData("1H")]
    [InlineData("pt1h")]
    [InlineData("PT1h")]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("PT1D")]
    [InlineData("P1H")]
    [InlineData("P1W1D")]
    [InlineData("PT1H1H")]
    [InlineData("PT1M1H")]
    [InlineData("P1.5D")]
    [InlineData("PT-1H")]
    [InlineData("PT1234567890H")]
    [InlineData(" PT1H")]
    public void Anything_else_is_not_a_reminder(string? text) => Assert.False(Reminder.TryParse(text, out _));

    [Fact]
    public void A_list_of_reminders_is_refused_whole_with_every_problem_named()
    {
        var refused = Reminder.ParseAll(["PT24H", "P1D", "PT0S", "P400D", "soon", "PT1H"]).Error!;
        Assert.Equal((ErrorKind.Unprocessable, ErrorCodes.InvalidReminders), (refused.Kind, refused.Code));
        var messages = refused.FieldErrors!["remindBefore"];
        Assert.Equal(5, messages.Length);
        Assert.Contains(messages, m => m.Contains("At most 5", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'P1D' repeats", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'PT0S' is not positive", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'P400D' is more than 366 days", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'soon' is not an ISO 8601 duration", StringComparison.Ordinal));

        Assert.Equal([TimeSpan.FromHours(1), TimeSpan.FromDays(1)], Reminder.ParseAll(["PT1H", "P1D"]).Value!.Select(r => r.Before));
        Assert.Empty(Reminder.ParseAll([]).Value!);
    }

    [Fact]
    public void The_approvals_own_action_wins_else_its_first_rule_that_sets_one_else_none()
    {
        Assert.Equal(DeadlineAction.Cancel, DeadlineActions.Effective(DeadlineAction.Cancel, [DeadlineAction.Reject]));
        Assert.Equal(DeadlineAction.None, DeadlineActions.Effective(DeadlineAction.None, [DeadlineAction.Reject]));
        Assert.Equal(DeadlineAction.Reject, DeadlineActions.Effective(null, [null, DeadlineAction.Reject, DeadlineAction.Cancel]));
        Assert.Equal(DeadlineAction.None, DeadlineActions.Effective(null, [DeadlineAction.None, DeadlineAction.Cancel]));
        Assert.Equal(DeadlineAction.None, DeadlineActions.Effective(null, [null, null]));
        Assert.Equal(DeadlineAction.None, DeadlineActions.Effective(null, []));
    }

    [Fact]
    public void Creating_schedules_the_deadline_and_the_reminders_still_ahead()
    {
        var approval = Create(DeadlineAction.Reject, ["PT1H", "P8D", "P1D"]);

        Assert.Equal(
            [(TimerKind.Deadline, Deadline, TimeSpan.Zero), (TimerKind.Reminder, Deadline.AddHours(-1), TimeSpan.FromHours(1)), (TimerKind.Reminder, Deadline.AddDays(-1), TimeSpan.FromDays(1))],
            approval.TimersScheduled.Select(t => (t.Kind, t.DueAt, t.BeforeDeadline)));
        Assert.All(approval.TimersScheduled, t => Assert.Equal((approval.Id, Deadline), (t.ApprovalId, t.Deadline)));

        // The reminder eight days before a deadline seven days away is already past: kept on the approval, never raised.
        Assert.Equal(["PT1H", "P8D", "P1D"], approval.RemindBefore.Select(r => r.Text));
        var created = Assert.Single(approval.Events);
        Assert.Equal(["title", "description", "comment", "deadline", "serviceRules", "onDeadline", "remindBefore"], created.Changes.Select(c => c.Field));
        Assert.Equal("reject", created.Changes[5].New);
        Assert.Equal(["PT1H", "P8D", "P1D"], (IEnumerable<string>)created.Changes[6].New!);
    }

    [Fact]
    public void An_approval_that_says_none_has_no_deadline_timer_and_one_that_follows_its_rules_has_one()
    {
        Assert.Empty(Create(DeadlineAction.None).TimersScheduled);
        var following = Create(null);
        Assert.Equal(TimerKind.Deadline, Assert.Single(following.TimersScheduled).Kind);

        // Without settings the created event keeps its former shape.
        Assert.Equal(5, Assert.Single(following.Events).Changes.Count);
    }

    [Fact]
    public void Invalid_reminders_refuse_the_create_with_a_422()
    {
        var refused = Approval.Create(Draft(null, ["PT1H", "PT60M"]), Requester, Now);
        Assert.Equal((ErrorKind.Unprocessable, ErrorCodes.InvalidReminders), (refused.Error!.Kind, refused.Error.Code));
    }

    [Theory]
    [InlineData(DeadlineAction.Reject, ApprovalStatus.AcknowledgedRejected, Decision.Reject)]
    [InlineData(DeadlineAction.Cancel, ApprovalStatus.AcknowledgedCancelled, Decision.Cancel)]
    public void The_deadline_decides_as_an_approver_would_by_system_deadline(DeadlineAction action, ApprovalStatus acknowledged, Decision decision)
    {
        var approval = Loaded(Create(action));
        var timer = DeadlineTimer(approval);

        Assert.Equal(TimerOutcome.Acted, approval.FireTimer(timer, [], Deadline));

        Assert.Equal(acknowledged, approval.Status);
        Assert.Equal((decision, false), (approval.DecisionTaken!.Decision, approval.DecisionTaken.SupersedesEarlier));
        var decided = Assert.Single(approval.Events);
        Assert.Equal((ApprovalEventType.Decided, "system:deadline", ApprovalStatus.Pending, acknowledged, 2),
            (decided.Type, decided.Actor, decided.StatusBefore, decided.StatusAfter, decided.Sequence));
        Assert.Equal((decision, approval.CurrentDecisionId, Deadline), (decided.Details.Decision, decided.Details.DecisionId, decided.Details.Deadline));
        Assert.Empty(decided.Changes);
    }

    [Fact]
    public void Following_the_rules_the_deadline_takes_the_first_default_that_is_set()
    {
        var approval = Loaded(Create(null));
        Assert.Equal(TimerOutcome.Acted, approval.FireTimer(DeadlineTimer(approval), [null, DeadlineAction.Cancel, DeadlineAction.Reject], Deadline));
        Assert.Equal(ApprovalStatus.AcknowledgedCancelled, approval.Status);

        var none = Loaded(Create(null));
        Assert.Equal(TimerOutcome.NothingToDo, none.FireTimer(DeadlineTimer(none), [null], Deadline));
        Assert.Empty(none.Events);
    }

    [Fact]
    public void A_deadline_does_nothing_with_none_or_once_the_approval_is_no_longer_pending()
    {
        var none = Loaded(Create(DeadlineAction.Reject));
        Assert.True(none.Change(new ApprovalChange(new ApprovalEdit(OnDeadline: new OnDeadlineEdit(DeadlineAction.None))), Requester, new ChangeFacts(Now)).Value);
        none = Loaded(none);
        Assert.Equal(TimerOutcome.NothingToDo, none.FireTimer(DeadlineTimer(none), [DeadlineAction.Reject], Deadline));
        Assert.Empty(none.Events);

        var decided = Loaded(Create(DeadlineAction.Reject));
        decided.Change(new ApprovalChange(new ApprovalEdit(), Decision.Approve), Approver, new ChangeFacts(Now));
        decided = Loaded(decided);
        Assert.Equal(TimerOutcome.NothingToDo, decided.FireTimer(DeadlineTimer(decided), [], Deadline));
        Assert.Equal((ApprovalStatus.AcknowledgedApproved, 0), (decided.Status, decided.Events.Count));

        var failed = Approval.Load(Guid.CreateVersion7(), "Laptop", "For design", "", ApprovalStatus.Error, ApprovalStatus.AcknowledgedApproved,
            Deadline, "user:alice", Now, 5, Guid.CreateVersion7(), new DeliveryError(ErrorCodes.DeliveryRejected, "HTTP 404", 1, Now), [1],
            DeadlineAction.Cancel, ["PT1H"]);
        Assert.Equal(TimerOutcome.NothingToDo, failed.FireTimer(new ApprovalTimer(Guid.NewGuid(), failed.Id, TimerKind.Deadline, Deadline, TimeSpan.Zero), [], Deadline));
        Assert.Equal(TimerOutcome.NothingToDo, failed.FireTimer(new ApprovalTimer(Guid.NewGuid(), failed.Id, TimerKind.Reminder, Deadline, TimeSpan.FromHours(1)), [], Deadline.AddHours(-1)));
        Assert.Equal((ApprovalStatus.Error, 0), (failed.Status, failed.Events.Count));
    }

    [Fact]
    public void A_timer_of_a_moved_deadline_or_a_removed_reminder_is_stale()
    {
        var approval = Loaded(Create(DeadlineAction.Reject, ["PT1H", "P1D"]));
        var oldDeadline = DeadlineTimer(approval);
        var oldReminder = ReminderTimer(approval, TimeSpan.FromDays(1));

        Assert.True(approval.Change(new ApprovalChange(new ApprovalEdit(Deadline: Deadline.AddDays(2), RemindBefore: ["PT1H"])), Requester, new ChangeFacts(Now)).Value);
        Assert.Equal(
            [(TimerKind.Deadline, Deadline.AddDays(2)), (TimerKind.Reminder, Deadline.AddDays(2).AddHours(-1))],
            approval.TimersScheduled.Select(t => (t.Kind, t.DueAt)));
        var edited = Assert.Single(approval.Events);
        Assert.Equal(["deadline", "remindBefore"], edited.Changes.Select(c => c.Field));
        approval = Loaded(approval);

        Assert.Equal(TimerOutcome.Stale, approval.FireTimer(oldReminder, [], oldReminder.DueAt));
        Assert.Equal(TimerOutcome.Stale, approval.FireTimer(oldDeadline, [], Deadline));
        Assert.Empty(approval.Events);
        Assert.Equal(ApprovalStatus.Pending, approval.Status);

        // Back to a deadline already scheduled: the timers scheduled are equal to the stored ones (the store keeps those).
        Assert.True(approval.Change(new ApprovalChange(new ApprovalEdit(Deadline: Deadline)), Requester, new ChangeFacts(Now)).Value);
        Assert.Contains(approval.TimersScheduled, t => (t.Kind, t.Deadline, t.BeforeDeadline) == (oldDeadline.Kind, oldDeadline.Deadline, oldDeadline.BeforeDeadline));
    }

    [Fact]
    public void A_reminder_raises_its_event_while_pending_and_before_the_deadline_only()
    {
        var approval = Loaded(Create(DeadlineAction.None, ["PT24H", "PT1H"]));
        var dayBefore = ReminderTimer(approval, TimeSpan.FromHours(24));

        Assert.Equal(TimerOutcome.Acted, approval.FireTimer(dayBefore, [], dayBefore.DueAt));
        var reminded = Assert.Single(approval.Events);
        Assert.Equal((ApprovalEventType.ReminderDue, "system:deadline", ApprovalStatus.Pending, ApprovalStatus.Pending, Deadline, "PT24H"),
            (reminded.Type, reminded.Actor, reminded.StatusBefore, reminded.StatusAfter, reminded.Details.Deadline, reminded.Details.RemindBefore));
        Assert.Null(approval.PreviousStatus);
        Assert.Null(approval.DecisionTaken);

        // Fired late, after the deadline itself: nothing to remind of.
        var hourBefore = ReminderTimer(approval, TimeSpan.FromHours(1));
        Assert.Equal(TimerOutcome.NothingToDo, approval.FireTimer(hourBefore, [], Deadline));
        Assert.Single(approval.Events);
    }

    [Fact]
    public void Editing_the_settings_records_them_and_bad_reminders_change_nothing()
    {
        var approval = Loaded(Create(DeadlineAction.Reject, ["PT1H"]));

        var refused = approval.Change(new ApprovalChange(new ApprovalEdit(Title: "Desk", RemindBefore: ["PT1H", "PT1H"])), Requester, new ChangeFacts(Now));
        Assert.Equal(ErrorCodes.InvalidReminders, refused.Error!.Code);
        Assert.Equal(("Laptop", 1, 0), (approval.Title, approval.Version, approval.Events.Count));
        Assert.Equal(ErrorCodes.Forbidden, approval.Change(
            new ApprovalChange(new ApprovalEdit(OnDeadline: new OnDeadlineEdit(null))), Approver with { Permissions = Permission.ReadAll | Permission.Decide }, new ChangeFacts(Now)).Error!.Code);

        Assert.False(approval.Change(new ApprovalChange(new ApprovalEdit(OnDeadline: new OnDeadlineEdit(DeadlineAction.Reject), RemindBefore: ["PT1H"])), Requester, new ChangeFacts(Now)).Value);
        Assert.True(approval.Change(new ApprovalChange(new ApprovalEdit(OnDeadline: new OnDeadlineEdit(null), RemindBefore: [])), Requester, new ChangeFacts(Now)).Value);

        var edited = Assert.Single(approval.Events);
        Assert.Equal(ApprovalEventType.Edited, edited.Type);
        Assert.Equal(["onDeadline", "remindBefore"], edited.Changes.Select(c => c.Field));
        Assert.Equal(("reject", null), (edited.Changes[0].Old, edited.Changes[0].New));
        Assert.Equal(["PT1H"], (IEnumerable<string>)edited.Changes[1].Old!);
        Assert.Empty((IEnumerable<string>)edited.Changes[1].New!);
        Assert.Null(approval.OnDeadline);
        Assert.Empty(approval.RemindBefore);
        Assert.Equal(TimerKind.Deadline, Assert.Single(approval.TimersScheduled).Kind);
    }

    [Fact]
    public void Escalating_adds_the_approvers_to_the_open_stage_moves_the_deadline_on_and_takes_the_next_action_once()
    {
        var escalation = new Escalation([new Approver(ApproverKind.User, "dave")], Reminder.Parse("PT24H"), DeadlineAction.Reject);
        var draft = Draft(DeadlineAction.Escalate, ["PT1H"]) with
        {
            Stages = [new ApprovalStage("approval", [new Approver(ApproverKind.User, "bob")], new StagePolicy(PolicyMode.Any))],
            StagesField = "approvers",
            Escalation = escalation,
        };
        var approval = Approval.Create(draft, Requester, Now).Value!;

        Assert.Equal(TimerOutcome.Acted, approval.FireTimer(DeadlineTimer(approval), [], Deadline));

        Assert.Equal(ApprovalStatus.Pending, approval.Status);
        Assert.Equal(["user:bob", "user:dave"], approval.Stages[0].Approvers.Select(a => a.Seat));
        Assert.Equal(Deadline.AddHours(24), approval.Deadline);
        Assert.Equal((DeadlineAction?)DeadlineAction.Reject, approval.OnDeadline);
        Assert.Null(approval.Escalation);
        var escalated = approval.Events[^1];
        Assert.Equal((ApprovalEventType.Escalated, "system:deadline", (DateTimeOffset?)Deadline), (escalated.Type, escalated.Actor, escalated.Details.Deadline));
        Assert.Equal(["stages", "deadline", "onDeadline"], escalated.Changes.Select(c => c.Field));
        Assert.Contains(approval.TimersScheduled, t => t.Kind == TimerKind.Deadline && t.Deadline == Deadline.AddHours(24));
        Assert.Contains(approval.TimersScheduled, t => t.Kind == TimerKind.Reminder && t.DueAt == Deadline.AddHours(23));

        // The new deadline takes the action after the escalation: rejected.
        Assert.Equal(TimerOutcome.Acted, approval.FireTimer(DeadlineTimer(approval), [], approval.Deadline));
        Assert.Equal(ApprovalStatus.AcknowledgedRejected, approval.Status);
    }

    [Fact]
    public void An_approval_without_approvers_escalates_to_its_escalation_approvers_alone()
    {
        var draft = Draft(DeadlineAction.Escalate) with
        {
            Escalation = new Escalation([new Approver(ApproverKind.Group, "finance")], Reminder.Parse("P2D"), DeadlineAction.None),
        };
        var approval = Approval.Create(draft, Requester, Now).Value!;
        Assert.False(approval.HasPolicy);

        approval.FireTimer(DeadlineTimer(approval), [], Deadline.AddHours(3)); // fired late: the extension counts from now

        Assert.Equal(["group:finance"], Assert.Single(approval.Stages).Approvers.Select(a => a.Seat));
        Assert.Equal(0, approval.OpenStage);
        Assert.Equal(Deadline.AddHours(3).AddDays(2), approval.Deadline);
    }

    [Fact]
    public void Escalate_and_an_escalation_need_each_other_and_a_sound_escalation()
    {
        var noEscalation = Approval.Create(Draft(DeadlineAction.Escalate), Requester, Now).Error!;
        Assert.Equal(["escalation"], noEscalation.FieldErrors!.Keys);

        var orphan = Approval.Create(Draft(DeadlineAction.Reject) with
        {
            Escalation = new Escalation([new Approver(ApproverKind.User, "dave")], Reminder.Parse("PT1H"), DeadlineAction.None),
        }, Requester, Now).Error!;
        Assert.Equal(["escalation"], orphan.FieldErrors!.Keys);

        var unsound = Approval.Create(Draft(DeadlineAction.Escalate) with
        {
            Escalation = new Escalation([], Reminder.Parse("PT0S"), DeadlineAction.Escalate),
        }, Requester, Now).Error!;
        Assert.Equal(["escalation.approvers", "escalation.extendBy", "escalation.then"], unsound.FieldErrors!.Keys.Order());
        Assert.False(DeadlineAction.Escalate.CanBeRuleDefault());
    }

    private static ApprovalDraft Draft(DeadlineAction? onDeadline, IReadOnlyList<string>? remindBefore = null) =>
        new("Laptop", "For design", Deadline, null, [1], onDeadline, remindBefore);

    private static Approval Create(DeadlineAction? onDeadline, IReadOnlyList<string>? remindBefore = null) =>
        Approval.Create(Draft(onDeadline, remindBefore), Requester, Now).Value!;

    /// <summary>The approval's deadline timer, as stored.</summary>
    private static ApprovalTimer DeadlineTimer(Approval approval, DateTimeOffset? deadline = null) =>
        new(Guid.CreateVersion7(), approval.Id, TimerKind.Deadline, deadline ?? approval.Deadline, TimeSpan.Zero);

    private static ApprovalTimer ReminderTimer(Approval approval, TimeSpan before, DateTimeOffset? deadline = null) =>
        new(Guid.CreateVersion7(), approval.Id, TimerKind.Reminder, deadline ?? approval.Deadline, before);

    /// <summary>The approval as the timer loop or a later request loads it: its stored state, without its events.</summary>
    private static Approval Loaded(Approval a) => Approval.Load(a.Id, a.Title, a.Description, a.Comment, a.Status, a.PreviousStatus,
        a.Deadline, a.CreatedBy, a.CreatedAt, a.Version, a.CurrentDecisionId, a.LastError, a.ServiceRules, a.OnDeadline,
        [.. a.RemindBefore.Select(r => r.Text)]);
}
