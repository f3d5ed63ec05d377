namespace Approvals.Domain;

/// <summary>
/// Deadlines that act: what happens when the deadline passes (<see cref="OnDeadline"/>), the reminders before it
/// (<see cref="RemindBefore"/>), the durable timers that carry both out, and what a timer does when it fires.
/// </summary>
/// <remarks>
/// Creating an approval, or changing its deadline, <c>onDeadline</c> or <c>remindBefore</c>, schedules its timers
/// (<see cref="TimersScheduled"/>): one for the deadline unless the approval itself says <c>none</c> (an approval that
/// follows its rules' default keeps one, since a rule may set a default later), and one per reminder whose time is
/// still ahead (a reminder already past when it is set is skipped). Nothing ever deletes a timer but its firing: a
/// timer the approval no longer needs (its deadline moved, its reminder was removed, it was decided) fires as stale
/// and does nothing, so changes to an approval never wait for a timer's lock.
/// </remarks>
public sealed partial class Approval
{
    /// <summary>Who acts when a deadline passes or a reminder comes due.</summary>
    public static readonly Caller DeadlineActor = Caller.System("deadline");

    /// <summary>The approval's own <c>onDeadline</c>; null follows its service rules' default (<see cref="DeadlineActions.Effective"/>).</summary>
    public DeadlineAction? OnDeadline { get; private set; }

    /// <summary>What <c>onDeadline: escalate</c> does; null otherwise, and once the approval has escalated.</summary>
    public Escalation? Escalation { get; private set; }

    /// <summary>How long before the deadline each reminder comes due, as the client wrote them.</summary>
    public IReadOnlyList<Reminder> RemindBefore { get; private set; } = [];

    /// <summary>The timers the last operation scheduled, to be stored with it (an equal one already stored is kept).</summary>
    public IReadOnlyList<ApprovalTimer> TimersScheduled { get; private set; } = [];

    /// <summary>
    /// Fires one of this approval's timers, which has come due (<paramref name="now"/> is at or after its due time):
    /// the deadline takes the approval's action through the transition table (a decision exactly like an approver's,
    /// by <see cref="DeadlineActor"/>, whose delivery jobs the use case queues); a reminder raises
    /// <see cref="ApprovalEventType.ReminderDue"/>. A stale timer, an approval that is not PENDING, the action
    /// <c>none</c>, or a reminder whose deadline has passed too, raise nothing.
    /// </summary>
    /// <param name="ruleDefaults">The <c>onDeadline</c> defaults of the approval's service rules, in its order.</param>
    public TimerOutcome FireTimer(ApprovalTimer timer, IReadOnlyList<DeadlineAction?> ruleDefaults, DateTimeOffset now)
    {
        if (timer.ApprovalId != Id)
        {
            throw new ArgumentException($"Timer {timer.Id} belongs to approval {timer.ApprovalId}, not {Id}.", nameof(timer));
        }

        if (timer.Deadline != Deadline
            || (timer.Kind == TimerKind.Reminder && ReminderFor(timer) is null))
        {
            return TimerOutcome.Stale;
        }

        now = Timestamps.ToStoredPrecision(now);
        return timer.Kind switch
        {
            TimerKind.Deadline => TakeDeadlineAction(DeadlineActions.Effective(OnDeadline, ruleDefaults), now),
            TimerKind.Reminder => Remind(ReminderFor(timer)!.Value, now),
            _ => throw new ArgumentOutOfRangeException(nameof(timer), timer.Kind, null),
        };
    }

    private TimerOutcome TakeDeadlineAction(DeadlineAction action, DateTimeOffset now)
    {
        var (command, decision) = action switch
        {
            DeadlineAction.None => (default(ApprovalCommand?), default(Decision)),
            DeadlineAction.Reject => (ApprovalCommand.DeadlineReject, Decision.Reject),
            DeadlineAction.Cancel => (ApprovalCommand.DeadlineCancel, Decision.Cancel),
            DeadlineAction.Escalate => (ApprovalCommand.DeadlineEscalate, default),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };

        if (command is null || ApprovalStateMachine.Evaluate(Status, command.Value).Target is not { } acknowledged)
        {
            return TimerOutcome.NothingToDo;
        }

        if (action == DeadlineAction.Escalate)
        {
            return Escalate(now);
        }

        Decide(decision, acknowledged, DeadlineActor, [], new EventDetails { Deadline = Deadline }, now);
        return TimerOutcome.Acted;
    }

    /// <summary>
    /// The escalation (see <see cref="Domain.Escalation"/>): more approvers in the open stage, a later deadline with its
    /// timers, and the action after it; raises <see cref="ApprovalEventType.Escalated"/> with the deadline that passed.
    /// An approval whose escalation is gone (it escalated already) does nothing.
    /// </summary>
    private TimerOutcome Escalate(DateTimeOffset now)
    {
        if (Escalation is not { } escalation)
        {
            return TimerOutcome.NothingToDo;
        }

        var passed = Deadline;
        var changes = new List<FieldChange>();
        IReadOnlyList<ApprovalStage> stages = HasPolicy
            ? [.. Stages.Select((stage, index) => index != OpenStage ? stage : stage with
            {
                Approvers = [.. stage.Approvers, .. escalation.Approvers.Where(a => !stage.Approvers.Contains(a))],
            })]
            : [new ApprovalStage(PolicyRules.DefaultStageName, escalation.Approvers, StagePolicy.AnyOne)];
        changes.Add(new("stages", HasPolicy ? Stages : null, stages));

        // A timer fired late (the service was down) still gives the escalated approvers the whole extension.
        var deadline = Timestamps.ToStoredPrecision((passed > now ? passed : now) + escalation.ExtendBy.Before);
        changes.Add(new("deadline", passed, deadline));
        changes.Add(new("onDeadline", DeadlineAction.Escalate.ToWireName(), escalation.Then.ToWireName()));
        if (HasPolicy)
        {
            Stages = stages;
        }
        else
        {
            SetStages(stages);
        }

        Deadline = deadline;
        OnDeadline = escalation.Then;
        Escalation = null;
        ScheduleTimers(now);
        Raise(ApprovalEventType.Escalated, Status, DeadlineActor, changes, new EventDetails { Deadline = passed }, now);
        return TimerOutcome.Acted;
    }

    private TimerOutcome Remind(Reminder reminder, DateTimeOffset now)
    {
        // Late (the service was down) but still before the deadline, a reminder is worth sending; after it, not.
        // The table allows it only while PENDING, and keeps the status.
        if (now >= Deadline || !ApprovalStateMachine.Evaluate(Status, ApprovalCommand.Remind).IsAllowed)
        {
            return TimerOutcome.NothingToDo;
        }

        Raise(ApprovalEventType.ReminderDue, Status, DeadlineActor, [], new EventDetails { Deadline = Deadline, RemindBefore = reminder.Text }, now);
        return TimerOutcome.Acted;
    }

    /// <summary>The approval's reminder a timer is for; null when it no longer has one of that length.</summary>
    private Reminder? ReminderFor(ApprovalTimer timer)
    {
        foreach (var reminder in RemindBefore)
        {
            if (reminder.Before == timer.BeforeDeadline)
            {
                return reminder;
            }
        }

        return null;
    }

    /// <summary>The created event lists <c>onDeadline</c> and <c>remindBefore</c> when the draft set them.</summary>
    private void AddDeadlineSettingsCreated(List<FieldChange> changes)
    {
        if (OnDeadline is { } action)
        {
            changes.Add(new("onDeadline", null, action.ToWireName()));
        }

        if (RemindBefore.Count > 0)
        {
            changes.Add(new("remindBefore", null, ReminderTexts(RemindBefore)));
        }

        if (Escalation is { } escalation)
        {
            changes.Add(new("escalation", null, escalation));
        }
    }

    /// <summary>
    /// The deadline settings <paramref name="edit"/> changes, with their changes recorded; null when it changes
    /// neither. Invalid reminders are reported in <see cref="DeadlineSettingsChange.Invalid"/>.
    /// </summary>
    private DeadlineSettingsChange? DeadlineSettingsChangedBy(ApprovalEdit edit, List<FieldChange> changes)
    {
        var onDeadlineChanged = edit.OnDeadline is { } own && own.Action != OnDeadline;
        if (onDeadlineChanged)
        {
            changes.Add(new("onDeadline", OnDeadline?.ToWireName(), edit.OnDeadline!.Value.Action?.ToWireName()));
        }

        var remindBeforeChanged = edit.RemindBefore is { } texts && !texts.SequenceEqual(RemindBefore.Select(r => r.Text));
        Result<IReadOnlyList<Reminder>>? reminders = null;
        if (remindBeforeChanged)
        {
            reminders = Reminder.ParseAll(edit.RemindBefore!);
            changes.Add(new("remindBefore", ReminderTexts(RemindBefore), edit.RemindBefore!.ToList()));
        }

        var escalationChanged = edit.Escalation is { } asked && asked.Value != Escalation;
        if (escalationChanged)
        {
            changes.Add(new("escalation", Escalation, edit.Escalation!.Value.Value));
        }

        return onDeadlineChanged || remindBeforeChanged || escalationChanged
            ? new DeadlineSettingsChange(onDeadlineChanged ? edit.OnDeadline : null, reminders?.Value, reminders?.Error,
                escalationChanged ? edit.Escalation : null)
            : null;
    }

    private void ApplyDeadlineSettings(DeadlineSettingsChange? change)
    {
        if (change?.OnDeadline is { } own)
        {
            OnDeadline = own.Action;
        }

        if (change?.RemindBefore is { } reminders)
        {
            RemindBefore = reminders;
        }

        if (change?.Escalation is { } escalation)
        {
            Escalation = escalation.Value;
        }
    }

    /// <summary>The timers of the current deadline and settings (see the remarks on this class).</summary>
    private void ScheduleTimers(DateTimeOffset now)
    {
        var timers = new List<ApprovalTimer>(RemindBefore.Count + 1);
        if (OnDeadline != DeadlineAction.None)
        {
            timers.Add(new ApprovalTimer(Guid.CreateVersion7(now), Id, TimerKind.Deadline, Deadline, TimeSpan.Zero));
        }

        foreach (var reminder in RemindBefore.Where(r => Deadline - r.Before > now))
        {
            timers.Add(new ApprovalTimer(Guid.CreateVersion7(now), Id, TimerKind.Reminder, Deadline, reminder.Before));
        }

        TimersScheduled = timers;
    }

    private static List<string> ReminderTexts(IEnumerable<Reminder> reminders) => [.. reminders.Select(r => r.Text)];

    /// <summary>What an edit does to the deadline settings: null members are left as they are.</summary>
    private sealed record DeadlineSettingsChange(
        OnDeadlineEdit? OnDeadline, IReadOnlyList<Reminder>? RemindBefore, DomainError? Invalid, EscalationEdit? Escalation = null);
}
