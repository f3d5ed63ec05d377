namespace Approvals.Domain;

/// <summary>
/// An approval and every rule about changing it. Each operation validates, asks the transition table
/// (<see cref="ApprovalStateMachine"/>) and the access rules (<see cref="ApprovalAccessRules"/>), changes the state,
/// and raises the events it produced (<see cref="Events"/>); the status changes only through the table, and every
/// event moves the version on by one. Storing the approval and its events is the application's business: it loads
/// one with <see cref="Load"/>, calls one operation, and writes the state and the raised events in one transaction.
/// </summary>
public sealed partial class Approval
{
    private readonly List<ApprovalEvent> _events = [];

    private Approval(Guid id, string createdBy, DateTimeOffset createdAt)
    {
        Id = id;
        CreatedBy = createdBy;
        CreatedAt = createdAt;
    }

    public Guid Id { get; }

    public string Title { get; private set; } = "";

    public string Description { get; private set; } = "";

    public string Comment { get; private set; } = "";

    public ApprovalStatus Status { get; private set; }

    public ApprovalStatus? PreviousStatus { get; private set; }

    public DateTimeOffset Deadline { get; private set; }

    public string CreatedBy { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>The number of events so far: the ETag and the concurrency token.</summary>
    public int Version { get; private set; }

    /// <summary>The decision whose delivery jobs count; a new decision supersedes the jobs of the old one.</summary>
    public Guid? CurrentDecisionId { get; private set; }

    /// <summary>Why the approval is in ERROR, when a delivery put it there.</summary>
    public DeliveryError? LastError { get; private set; }

    /// <summary>The approval's service rules, in the order the client gave them.</summary>
    public IReadOnlyList<int> ServiceRules { get; private set; } = [];

    /// <summary>The events raised since the approval was loaded or created, oldest first.</summary>
    public IReadOnlyList<ApprovalEvent> Events => _events;

    /// <summary>Set when the last operation took a decision: its delivery jobs are to be queued.</summary>
    public DecisionTaken? DecisionTaken { get; private set; }

    /// <summary>Whether the last operation replaced the service rules.</summary>
    public bool ServiceRulesReplaced { get; private set; }

    /// <summary>An approval as stored.</summary>
    public static Approval Load(
        Guid id, string title, string description, string comment, ApprovalStatus status, ApprovalStatus? previousStatus,
        DateTimeOffset deadline, string createdBy, DateTimeOffset createdAt, int version, Guid? currentDecisionId,
        DeliveryError? lastError, IReadOnlyList<int> serviceRules, DeadlineAction? onDeadline = null,
        IReadOnlyList<string>? remindBefore = null,
        IReadOnlyList<ApprovalStage>? stages = null, int? openStage = null, IReadOnlyList<Vote>? votes = null,
        Escalation? escalation = null)
    {
        var approval = new Approval(id, createdBy, createdAt)
        {
            Title = title,
            Description = description,
            Comment = comment,
            Status = status,
            PreviousStatus = previousStatus,
            Deadline = deadline,
            Version = version,
            CurrentDecisionId = currentDecisionId,
            LastError = lastError,
            ServiceRules = serviceRules,
            OnDeadline = onDeadline,
            RemindBefore = [.. (remindBefore ?? []).Select(Reminder.Parse)],
            Escalation = escalation,
        };
        approval.LoadPolicy(stages, openStage, votes);
        return approval;
    }

    /// <summary>
    /// A new approval, PENDING, raising <see cref="ApprovalEventType.Created"/>. Whether its service rules exist and
    /// are enabled is checked where it is stored, atomically with the insert.
    /// </summary>
    /// <param name="membersOf">The members of the groups a stage counts by member (to refuse a policy that can never be met).</param>
    public static Result<Approval> Create(ApprovalDraft draft, Caller caller, DateTimeOffset now, Func<string, IReadOnlyList<string>>? membersOf = null)
    {
        var errors = new FieldErrors();
        ApprovalRules.CheckDraft(draft, errors);
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        if (draft.Stages is { } named && PolicyRules.CheckMeetable(named, membersOf ?? (_ => []), draft.StagesField) is { } unmeetable)
        {
            return unmeetable;
        }

        now = Timestamps.ToStoredPrecision(now);
        var deadline = Timestamps.ToStoredPrecision(draft.Deadline!.Value);
        if (ApprovalRules.CheckDeadline(deadline, now) is { } pastDeadline)
        {
            return pastDeadline;
        }

        var reminders = Reminder.ParseAll(draft.RemindBefore ?? []);
        if (reminders.Error is { } invalidReminders)
        {
            return invalidReminders;
        }

        var approval = new Approval(Guid.CreateVersion7(now), caller.Actor, now)
        {
            Title = draft.Title!,
            Description = draft.Description!,
            Comment = draft.Comment ?? "",
            Status = ApprovalStateMachine.InitialStatus,
            Deadline = deadline,
            ServiceRules = [.. draft.ServiceRules!],
            OnDeadline = draft.OnDeadline,
            RemindBefore = reminders.Value!,
            Escalation = draft.Escalation,
        };
        var changes = new List<FieldChange>
        {
            new("title", null, approval.Title),
            new("description", null, approval.Description),
            new("comment", null, approval.Comment),
            new("deadline", null, approval.Deadline),
            new("serviceRules", null, approval.ServiceRules),
        };
        if (draft.Stages is { Count: > 0 } policy)
        {
            approval.SetStages(policy);
            changes.Add(new("stages", null, approval.Stages));
        }

        approval.AddDeadlineSettingsCreated(changes);
        approval.ScheduleTimers(now);
        approval.Raise(ApprovalEventType.Created, null, caller, changes, EventDetails.None, now);
        return approval;
    }

    /// <summary>The new service rules <paramref name="edit"/> asks for, when they differ from the current ones; else null.</summary>
    public IReadOnlyList<int>? ServiceRulesChangedBy(ApprovalEdit edit) =>
        edit.ServiceRules is { } rules && !rules.SequenceEqual(ServiceRules) ? rules : null;

    /// <summary>
    /// Edits fields, decides, or both. Raises <see cref="ApprovalEventType.Edited"/>,
    /// <see cref="ApprovalEventType.CommentEdited"/> or <see cref="ApprovalEventType.Decided"/> (whose changes include
    /// any fields edited with it); returns false, raising nothing, when nothing would change.
    /// </summary>
    public Result<bool> Change(ApprovalChange change, Caller caller, ChangeFacts facts)
    {
        if (change.ExpectedVersions is { } expected && !expected.Includes(Version))
        {
            return ApprovalErrors.VersionMismatch(Version);
        }

        var edit = change.Edit;
        var errors = new FieldErrors();
        var changes = new List<FieldChange>();
        var detailsChanged = false;

        if (edit.Title is { } title && title != Title)
        {
            ApprovalRules.CheckTitle(title, errors);
            changes.Add(new("title", Title, title));
            detailsChanged = true;
        }

        if (edit.Description is { } description && description != Description)
        {
            ApprovalRules.CheckDescription(description, errors);
            changes.Add(new("description", Description, description));
            detailsChanged = true;
        }

        DateTimeOffset? newDeadline = edit.Deadline is { } d ? Timestamps.ToStoredPrecision(d) : null;
        if (newDeadline is { } deadline && deadline != Deadline)
        {
            changes.Add(new("deadline", Deadline, deadline));
            detailsChanged = true;
        }
        else
        {
            newDeadline = null;
        }

        var newRules = ServiceRulesChangedBy(edit);
        if (newRules is not null)
        {
            ApprovalRules.CheckServiceRules(newRules, errors);
            changes.Add(new("serviceRules", ServiceRules, newRules));
            detailsChanged = true;
        }

        var newStages = edit.Stages is { } stagesAsked && !PolicyRules.SameStages(stagesAsked, Stages) ? stagesAsked : null;
        if (newStages is not null)
        {
            PolicyRules.Check(newStages, errors, edit.StagesField);
            if (_votes.Count > 0)
            {
                return ApprovalErrors.VotesCast();
            }

            changes.Add(new("stages", Stages.Count == 0 ? null : Stages, newStages));
            detailsChanged = true;
        }

        if (HasPolicy && change.Decision is Decision.Approve or Decision.Reject)
        {
            // Approvers named: their votes decide (the use case turns a named approver's decision into a vote).
            return ApprovalErrors.NotAnApprover("This approval names its approvers; they decide by voting.");
        }

        var newSettings = DeadlineSettingsChangedBy(edit, changes);
        detailsChanged |= newSettings is not null;
        if (newSettings is not null)
        {
            // Each of onDeadline escalate and an escalation needs the other, as they stand after the edit.
            Escalation.Check(newSettings.Escalation is { } set ? set.Value : Escalation,
                newSettings.OnDeadline is { } own ? own.Action : OnDeadline, errors);
        }

        var commentChanged = edit.Comment is { } comment && comment != Comment;
        if (commentChanged)
        {
            ApprovalRules.CheckComment(edit.Comment, errors);
            changes.Add(new("comment", Comment, edit.Comment));
        }

        if (ApprovalAccessRules.CheckChange(caller, CreatedBy, detailsChanged, commentChanged, change.Decision, facts.SelfApprovalAllowed) is { } denied)
        {
            return denied;
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        if (newStages is not null && PolicyRules.CheckMeetable(newStages, facts.MembersOf ?? (_ => []), edit.StagesField) is { } unmeetable)
        {
            return unmeetable;
        }

        // The table decides; edits never change the status, a decision moves it.
        if (detailsChanged || commentChanged)
        {
            var editCommand = detailsChanged ? ApprovalCommand.EditDetails : ApprovalCommand.EditComment;
            if (ApprovalStateMachine.Evaluate(Status, editCommand).Rejection is { } refused)
            {
                return refused;
            }
        }

        ApprovalStatus? decidedStatus = null;
        if (change.Decision is { } decision)
        {
            var transition = ApprovalStateMachine.Evaluate(Status, decision.ToCommand());
            if (transition.Rejection is { } refused)
            {
                return refused;
            }

            decidedStatus = transition.Target;
        }

        if (!detailsChanged && !commentChanged && decidedStatus is null)
        {
            return false;
        }

        var now = Timestamps.ToStoredPrecision(facts.Now);
        if (newDeadline is { } movedDeadline && ApprovalRules.CheckDeadline(movedDeadline, now) is { } pastDeadline)
        {
            return pastDeadline;
        }

        if (newSettings?.Invalid is { } invalidReminders)
        {
            return invalidReminders;
        }

        if (newRules is not null)
        {
            var usable = facts.UsableServiceRules
                ?? throw new InvalidOperationException("New service rules need the usable ones looked up (ChangeFacts.UsableServiceRules).");
            if (ApprovalErrors.UnusableServiceRules(newRules, usable) is { } unknownRules)
            {
                return unknownRules;
            }
        }

        Title = edit.Title ?? Title;
        Description = edit.Description ?? Description;
        Comment = edit.Comment ?? Comment;
        Deadline = newDeadline ?? Deadline;
        if (newRules is not null)
        {
            ServiceRules = [.. newRules];
            ServiceRulesReplaced = true;
        }

        if (newStages is not null)
        {
            SetStages(newStages);
        }

        if (newSettings is not null || newDeadline is not null)
        {
            ApplyDeadlineSettings(newSettings);
            ScheduleTimers(now);
        }

        if (decidedStatus is { } acknowledged)
        {
            Decide(change.Decision!.Value, acknowledged, caller, changes, EventDetails.None, now);
        }
        else
        {
            Raise(detailsChanged ? ApprovalEventType.Edited : ApprovalEventType.CommentEdited, Status, caller, changes, EventDetails.None, now);
        }

        return true;
    }

    /// <summary>
    /// Records that one job finished (<see cref="ApprovalEventType.DeliverySucceeded"/> or
    /// <see cref="ApprovalEventType.DeliveryFailed"/>), then resolves the decision when the jobs'
    /// <paramref name="standings"/> (this job's included) settle it: <see cref="ApprovalEventType.Resolved"/> or
    /// <see cref="ApprovalEventType.Errored"/> through the table. Returns the table's rejection when the resolution was
    /// not allowed (typically: a sibling job already put the approval in ERROR), else null.
    /// </summary>
    /// <param name="standings">The decision's jobs after this outcome; this job first, so a failure names it.</param>
    public DomainError? RecordDeliveryOutcome(DeliveryOutcome outcome, IReadOnlyList<JobStanding> standings, Caller dispatcher, DateTimeOffset now)
    {
        now = Timestamps.ToStoredPrecision(now);
        var details = new EventDetails
        {
            DecisionId = outcome.DecisionId,
            JobId = outcome.JobId,
            ServiceRule = outcome.ServiceRule,
            Attempts = outcome.Attempts,
            ReportedStatus = outcome.Succeeded ? outcome.ReportedStatus : null,
            ErrorCode = outcome.Succeeded ? null : outcome.ErrorCode,
            Error = outcome.Succeeded ? null : outcome.Error,
        };
        Raise(outcome.Succeeded ? ApprovalEventType.DeliverySucceeded : ApprovalEventType.DeliveryFailed, Status, dispatcher, [], details, now);

        if (outcome.DecisionId != CurrentDecisionId || DeliveryResolution.Resolve(standings, now) is not { } resolution)
        {
            return null;
        }

        var transition = ApprovalStateMachine.Evaluate(Status, resolution.Command);
        if (transition.Rejection is { } refused)
        {
            return refused;
        }

        var before = Status;
        var changes = new List<FieldChange>();
        MoveTo(transition.Target!.Value, resolution.Error, changes);
        var type = resolution.Command == ApprovalCommand.DeliveryFailed ? ApprovalEventType.Errored : ApprovalEventType.Resolved;
        Raise(type, before, dispatcher, changes, new EventDetails { DecisionId = outcome.DecisionId }, now);
        return null;
    }

    /// <summary>
    /// Takes a decision that the table allowed (to <paramref name="acknowledged"/>): a new decision id whose delivery
    /// jobs the use case queues, and the <see cref="ApprovalEventType.Decided"/> event with <paramref name="details"/>.
    /// </summary>
    private void Decide(Decision decision, ApprovalStatus acknowledged, Caller caller, List<FieldChange> changes, EventDetails details, DateTimeOffset now)
    {
        var before = Status;
        var decisionId = Guid.CreateVersion7(now);
        DecisionTaken = new DecisionTaken(decisionId, decision, SupersedesEarlier: CurrentDecisionId is not null);
        CurrentDecisionId = decisionId;
        MoveTo(acknowledged, lastError: null, changes);
        Raise(ApprovalEventType.Decided, before, caller, changes, details with { Decision = decision, DecisionId = decisionId }, now);
    }

    /// <summary>Moves the status and sets the last error; a changed last error (set, or cleared) is a recorded change.</summary>
    private void MoveTo(ApprovalStatus target, DeliveryError? lastError, List<FieldChange> changes)
    {
        if (LastError != lastError)
        {
            changes.Add(new("lastError", LastError, lastError));
        }

        PreviousStatus = Status;
        Status = target;
        LastError = lastError;
    }

    private void Raise(ApprovalEventType type, ApprovalStatus? before, Caller caller, IReadOnlyList<FieldChange> changes, EventDetails details, DateTimeOffset now)
    {
        Version++;
        _events.Add(new ApprovalEvent(Guid.CreateVersion7(now), Id, Version, type, now, caller.Actor, caller.CorrelationId,
            before, Status, changes, details));
    }
}
