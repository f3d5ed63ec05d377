using Approvals.Api.Data;
using Approvals.Domain;

namespace Approvals.Api.Approvals;

/// <summary>
/// The use case that creates approvals: the <see cref="Approval"/> aggregate validates the draft and raises the created
/// event, then one statement writes the approval, its service rules and that event (<see cref="ApprovalInsert"/>). A
/// singleton over the data source rather than part of <see cref="ApprovalWorkflow"/>: creating needs no transaction of
/// its own and no DbContext, and renting one from the pool per request, only to borrow its connection, was a
/// measurable part of the service's hottest write (docs/benchmarks.md). A create with an Idempotency-Key joins the
/// transaction the filter holds open for it. Both API versions call it.
/// </summary>
public sealed class ApprovalCreation(ApprovalInsert insert, TimeProvider clock)
{
    /// <param name="joining">The DbContext whose open transaction the insert joins (the Idempotency-Key filter's); null for none.</param>
    public async Task<Result<ApprovalRecord>> CreateAsync(
        ApprovalDraft draft, Caller caller, ApprovalsDbContext? joining, CancellationToken cancellationToken)
    {
        var created = Approval.Create(draft, caller, clock.GetUtcNow());
        if (created.Value is not { } approval)
        {
            return created.Error!;
        }

        // The service rules are checked by the statement that inserts.
        var record = approval.ToRecord();
        var usable = await insert.InsertAsync(record, approval.Events.Single(), joining, cancellationToken);
        return usable is null
            ? record
            : ApprovalErrors.UnusableServiceRules(approval.ServiceRules, usable)
                ?? throw new InvalidOperationException("The approval was not inserted, yet all its service rules are usable.");
    }
}
