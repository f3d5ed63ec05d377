using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Delivery;
using Approvals.Api.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Approvals;

/// <summary>
/// Edits and decides approvals (<see cref="ApprovalCreation"/> creates them). Every rule question goes to
/// <see cref="ApprovalStateMachine"/> and every question of who may touch which approval to
/// <see cref="ApprovalAccess"/>; this class only validates fields, applies the table's answer, and writes the change,
/// its event and (for a decision) its delivery jobs in one transaction (<see cref="ApprovalWrite"/>). Both API
/// versions call it, so there is one copy of the behaviour.
/// </summary>
public sealed class ApprovalWorkflow(ApprovalsDbContext db, TimeProvider clock, ApprovalAccess access, DeliveryHandOff handOff, Events.ApprovalEventSignal events)
{
    public async Task<Result<Approval>> UpdateAsync(Guid id, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginUnlessInTransactionAsync(cancellationToken);

        // The row lock makes concurrent changes to one approval queue up here, so each one is decided on the state the
        // previous one committed: one decision wins, later ones see ACKNOWLEDGED, and no edit is lost or retried.
        var approval = await ApprovalChangeReads.LockAsync(db, id, cancellationToken);
        if (approval is null)
        {
            return Problems.ApprovalNotFound(id);
        }

        if (ApprovalAccess.CheckVisible(caller, approval) is { } hidden)
        {
            return hidden;
        }

        if (change.ExpectedVersion is { } expected && expected != approval.Version)
        {
            return VersionMismatch(approval.Version);
        }

        var planned = await ApplyAsync(approval, change, caller, cancellationToken);
        if (!planned.IsSuccess || planned.Value is not { } write)
        {
            // Refused, or nothing to change: no write, no event.
            return planned.IsSuccess ? approval : planned.Error!;
        }

        // A decision's jobs go straight to this process's dispatcher when it has the slots; whoever commits the
        // transaction starts them (here, or the Idempotency-Key filter that opened it).
        write.HandOff = handOff.TryReserve(write.NewJobs.Count);
        await write.SaveAsync(db, cancellationToken);
        foreach (var job in write.HandedOffJobs)
        {
            handOff.Add(job);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
            handOff.Committed();
            events.Committed();
        }

        return approval;
    }

    /// <summary>Validates and applies the change to the approval read, and plans its write; null when there is nothing to change.</summary>
    private async Task<Result<ApprovalWrite?>> ApplyAsync(Approval approval, ApprovalChange change, Caller caller, CancellationToken cancellationToken)
    {
        var edit = change.Edit;
        var errors = new FieldErrors();
        var changes = new JsonObject();
        var detailsChanged = false;

        if (edit.Title is { } title && title != approval.Title)
        {
            ApprovalRules.CheckTitle(title, errors);
            changes["title"] = Change(approval.Title, title);
            detailsChanged = true;
        }

        if (edit.Description is { } description && description != approval.Description)
        {
            ApprovalRules.CheckDescription(description, errors);
            changes["description"] = Change(approval.Description, description);
            detailsChanged = true;
        }

        DateTimeOffset? newDeadline = edit.Deadline is { } d ? Timestamps.ToDatabasePrecision(d) : null;
        if (newDeadline is { } deadline && deadline != approval.Deadline)
        {
            changes["deadline"] = Change(approval.Deadline, deadline);
            detailsChanged = true;
        }
        else
        {
            newDeadline = null;
        }

        var currentRules = approval.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId).ToList();
        var newRules = edit.ServiceRules is { } rules && !rules.SequenceEqual(currentRules) ? rules : null;
        if (newRules is not null)
        {
            ApprovalRules.CheckServiceRules(newRules, errors);
            changes["serviceRules"] = Change(
                new JsonArray([.. currentRules.Select(r => JsonValue.Create(r))]),
                new JsonArray([.. newRules.Select(r => JsonValue.Create(r))]));
            detailsChanged = true;
        }

        var commentChanged = edit.Comment is { } comment && comment != approval.Comment;
        if (commentChanged)
        {
            ApprovalRules.CheckComment(edit.Comment, errors);
            changes["comment"] = Change(approval.Comment, edit.Comment);
        }

        if (await access.CheckChangeAsync(caller, approval, detailsChanged, commentChanged, change.Decision, cancellationToken) is { } denied)
        {
            return denied;
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        // The table decides; edits never change the status, a decision moves it.
        if (detailsChanged || commentChanged)
        {
            var editCommand = detailsChanged ? ApprovalCommand.EditDetails : ApprovalCommand.EditComment;
            if (ApprovalStateMachine.Evaluate(approval.Status, editCommand).Rejection is { } refused)
            {
                return refused;
            }
        }

        ApprovalStatus? decidedStatus = null;
        if (change.Decision is { } decision)
        {
            var transition = ApprovalStateMachine.Evaluate(approval.Status, decision.ToCommand());
            if (transition.Rejection is { } refused)
            {
                return refused;
            }

            decidedStatus = transition.Target;
        }

        if (!detailsChanged && !commentChanged && decidedStatus is null)
        {
            return (ApprovalWrite?)null;
        }

        var now = Now();
        if (newDeadline is { } movedDeadline && ApprovalRules.CheckDeadline(movedDeadline, now) is { } pastDeadline)
        {
            return pastDeadline;
        }

        if (newRules is not null && await FindUnusableServiceRulesAsync(newRules, cancellationToken) is { } unknownRules)
        {
            return unknownRules;
        }

        var write = new ApprovalWrite(approval);
        approval.Title = edit.Title ?? approval.Title;
        approval.Description = edit.Description ?? approval.Description;
        approval.Comment = edit.Comment ?? approval.Comment;
        approval.Deadline = newDeadline ?? approval.Deadline;
        if (newRules is not null)
        {
            approval.ServiceRules.Clear();
            approval.ServiceRules.AddRange(newRules.Select((id, position) =>
                new ApprovalServiceRule { ApprovalId = approval.Id, ServiceRuleId = id, Position = position }));
            write.ServiceRulesReplaced = true;
        }

        var fromStatus = approval.Status;
        JsonObject? details = null;
        if (decidedStatus is { } acknowledged)
        {
            QueueDeliveries(write, change.Decision!.Value, now);
            details = new JsonObject
            {
                ["decision"] = change.Decision!.Value.ToString().ToLowerInvariant(),
                ["decisionId"] = approval.CurrentDecisionId!.Value.ToString(),
            };
            MoveTo(approval, acknowledged, lastError: null, changes);
        }

        var type = decidedStatus is not null ? ApprovalEventType.Decided
            : detailsChanged ? ApprovalEventType.Edited
            : ApprovalEventType.CommentEdited;
        Record(write, fromStatus, caller, type, changes, details, now);
        return write;
    }

    /// <summary>
    /// Applies a command that only moves the status (the dispatcher's delivery outcomes, an admin's redelivery) to an
    /// approval read under its row lock: the table decides, then the status, previous status, last error, version and
    /// one event change together. Returns the write, which the caller saves in its transaction, or the table's
    /// rejection when the command is not allowed.
    /// </summary>
    internal static Result<ApprovalWrite> ApplyStatusCommand(
        Approval approval, ApprovalCommand command, Caller caller, ApprovalEventType type, DeliveryError? lastError, JsonObject? details, DateTimeOffset now)
    {
        var transition = ApprovalStateMachine.Evaluate(approval.Status, command);
        if (transition.Rejection is { } refused)
        {
            return refused;
        }

        var write = new ApprovalWrite(approval);
        var fromStatus = approval.Status;
        var changes = new JsonObject();
        MoveTo(approval, transition.Target!.Value, lastError, changes);
        Record(write, fromStatus, caller, type, changes, details, now);
        return write;
    }

    /// <summary>Moves the status and sets the last error; a changed last error (set, or cleared) is a recorded change.</summary>
    private static void MoveTo(Approval approval, ApprovalStatus target, DeliveryError? lastError, JsonObject changes)
    {
        if (approval.LastError != lastError)
        {
            changes["lastError"] = Change(ErrorNode(approval.LastError), ErrorNode(lastError));
        }

        approval.PreviousStatus = approval.Status;
        approval.Status = target;
        approval.LastError = lastError;
    }

    private static JsonNode? ErrorNode(DeliveryError? error) =>
        error is null ? null : JsonSerializer.SerializeToNode(error, ApprovalsJsonContext.Default.DeliveryError);

    /// <summary>
    /// Every change bumps the version (the ETag and concurrency token) and writes exactly one event, whose sequence is
    /// the new version: 1, 2, 3, … per approval without gaps.
    /// </summary>
    private static void Record(
        ApprovalWrite write, ApprovalStatus fromStatus, Caller caller, ApprovalEventType type, JsonObject? changes, JsonObject? details, DateTimeOffset now)
    {
        var approval = write.Approval;
        approval.Version++;
        write.Event = new NewApprovalEvent(Guid.CreateVersion7(now), approval.Id, approval.Version, type, now, caller.Actor,
            caller.CorrelationId, ApprovalEventData.Write(fromStatus, approval.Status, changes, details));
    }

    /// <summary>
    /// The outbox: one job per service rule, written with the decision (due after the first step of the rule's retry
    /// schedule); older open jobs stop counting.
    /// </summary>
    private static void QueueDeliveries(ApprovalWrite write, Decision decision, DateTimeOffset now)
    {
        var approval = write.Approval;
        if (approval.CurrentDecisionId is not null)
        {
            // Jobs exist only for an earlier decision: the first one (the usual case) has none to supersede.
            write.OpenJobsSupersededAt = now;
        }

        var decisionId = Guid.CreateVersion7(now);
        approval.CurrentDecisionId = decisionId;
        foreach (var rule in approval.ServiceRules.OrderBy(r => r.Position))
        {
            var job = new DeliveryJob
            {
                Id = Guid.CreateVersion7(now),
                ApprovalId = approval.Id,
                DecisionId = decisionId,
                ServiceRuleId = rule.ServiceRuleId,
                RequestedStatus = decision.FinalStatus(),
                State = DeliveryState.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            };
            write.NewJobs.Add(job);
            approval.DeliveryJobs.Add(job);
        }
    }

    private async Task<DomainError?> FindUnusableServiceRulesAsync(IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        var usable = await db.ServiceRules
            .Where(r => ids.Contains(r.Id) && r.Enabled)
            .Select(r => r.Id)
            .ToListAsync(cancellationToken);
        return UnusableServiceRules(ids, usable);
    }

    /// <summary>The 422 for the rules in <paramref name="ids"/> that are not among the <paramref name="usable"/> ones; null when none.</summary>
    internal static DomainError? UnusableServiceRules(IReadOnlyList<int> ids, IReadOnlyCollection<int> usable)
    {
        var missing = ids.Except(usable).ToList();
        return missing.Count == 0
            ? null
            : new DomainError(ErrorKind.Unprocessable, ErrorCodes.ServiceRuleUnknown,
                $"Service rule(s) {string.Join(", ", missing)} do not exist or are disabled.");
    }

    /// <summary>The current time as PostgreSQL will store it, so a write answers exactly what a later read returns.</summary>
    private DateTimeOffset Now() => Timestamps.ToDatabasePrecision(clock.GetUtcNow());

    private static JsonObject Change(JsonNode? oldValue, JsonNode? newValue) => new() { ["old"] = oldValue, ["new"] = newValue };

    private static DomainError VersionMismatch(int current) => new(ErrorKind.PreconditionFailed, ErrorCodes.VersionMismatch,
        $"The approval is at version {current}; read it again and retry.");
}
