using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// The use case that creates approvals: the <see cref="Approval"/> aggregate validates the draft, raises the created
/// event and schedules its timers, then one statement writes the approval, its service rules, its timers and that event
/// (<see cref="ApprovalStore.InsertAsync"/>), in the request's unit of work: inside its transaction when one is open
/// (an Idempotency-Key claim), otherwise on its own, which one statement can be. Both API versions call it.
/// </summary>
public sealed class ApprovalCreation(UnitOfWork unit, TimeProvider clock, PeopleDirectory people, TimerSignal timers)
{
    public async Task<Result<ApprovalRecord>> CreateAsync(ApprovalDraft draft, Caller caller, CancellationToken cancellationToken)
    {
        var membersOf = draft.Stages is { } stages ? await people.MembersOfAsync(stages, cancellationToken) : null;
        var created = Approval.Create(draft, caller, clock.GetUtcNow(), membersOf);
        if (created.Value is not { } approval)
        {
            return created.Error!;
        }

        if (await people.UnknownApproversAsync(approval.Stages, approval.Escalation, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        // The service rules are checked by the statement that inserts.
        var record = approval.ToRecord();
        var usable = await ApprovalStore.InsertAsync(unit, record, approval.Events.Single(), approval.TimersScheduled, cancellationToken);
        if (usable is null)
        {
            timers.AfterCommitOf(unit, approval.TimersScheduled);
        }

        return usable is null
            ? record
            : ApprovalErrors.UnusableServiceRules(approval.ServiceRules, usable)
                ?? throw new InvalidOperationException("The approval was not inserted, yet all its service rules are usable.");
    }
}
