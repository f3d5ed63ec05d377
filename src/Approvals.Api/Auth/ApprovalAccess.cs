using Approvals.Api.Data;
using Approvals.Api.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Auth;

/// <summary>
/// The one place that decides what a caller may do with a particular approval, on top of the endpoint policies:
/// <list type="bullet">
/// <item>Reading: approvers, admins and read keys see every approval; requesters see the ones they created. An
/// approval the caller may not see answers exactly like one that does not exist (404), so nothing leaks.</item>
/// <item>Changing: requesters edit and cancel their own; approvers and decide keys decide on any; write keys edit any.
/// A comment sent with a decision is part of the decision, not an edit.</item>
/// <item>No self-approval: a person who created an approval cannot approve or reject it (cancelling is fine) unless
/// every service rule of the approval sets <c>allowSelfApproval</c>. The four-eyes rule is about people: a service
/// key acts for a system, and holding <c>approvals:decide</c> is the decision to trust it (as the original single
/// key was trusted to create and decide).</item>
/// </list>
/// </summary>
public sealed class ApprovalAccess(ApprovalsDbContext db)
{
    /// <summary>The approvals <paramref name="caller"/> may read.</summary>
    public static IQueryable<ApprovalRecord> Readable(IQueryable<ApprovalRecord> approvals, Caller caller)
    {
        if (ReadFilter(caller) is not { MayRead: true, CreatedBy: var createdBy })
        {
            return approvals.Where(a => false);
        }

        // EF Core evaluates the null test before translating, so callers who read everything get no condition at all.
        return approvals.Where(a => createdBy == null || a.CreatedBy == createdBy);
    }

    /// <summary>
    /// What <see cref="Readable"/> filters on, for hand-written SQL (<c>ApprovalReader</c>), which cannot compose it:
    /// whether the caller may read approvals at all, and whose (null: everybody's; otherwise the caller's own).
    /// </summary>
    public static (bool MayRead, string? CreatedBy) ReadFilter(Caller caller) =>
        caller.Permissions.HasAny(Permission.ReadAll) ? (true, null)
        : caller.Permissions.HasAny(Permission.ReadOwn) ? (true, caller.Actor)
        : (false, null);

    /// <summary>Null when the caller may act on the approval at all; otherwise the same 404 a missing one gets.</summary>
    public static DomainError? CheckVisible(Caller caller, ApprovalRecord approval)
    {
        var held = caller.Permissions;
        var visible = held.HasAny(Permission.ReadAll | Permission.EditAll | Permission.Decide)
            || (Owns(caller, approval) && held.HasAny(Permission.ReadOwn | Permission.EditOwn | Permission.CancelOwn));
        return visible ? null : Problems.ApprovalNotFound(approval.Id);
    }

    /// <summary>Null when the caller may make this change to an approval it can see; otherwise 403.</summary>
    public async Task<DomainError?> CheckChangeAsync(
        Caller caller, ApprovalRecord approval, bool editsDetails, bool editsComment, Decision? decision, CancellationToken cancellationToken)
    {
        var held = caller.Permissions;
        var own = Owns(caller, approval);
        var isEdit = editsDetails || (editsComment && decision is null);
        if (isEdit && !(held.HasAny(Permission.EditAll) || (own && held.HasAny(Permission.EditOwn))))
        {
            return Forbidden("The caller may not edit this approval.");
        }

        if (decision is not { } decided)
        {
            return null;
        }

        var mayDecide = held.HasAny(Permission.Decide) || (decided == Decision.Cancel && own && held.HasAny(Permission.CancelOwn));
        if (!mayDecide)
        {
            return Forbidden("The caller may not decide on this approval.");
        }

        if (decided != Decision.Cancel && own && caller.IsPerson && !await SelfApprovalAllowedAsync(approval, cancellationToken))
        {
            return new DomainError(ErrorKind.Forbidden, ErrorCodes.SelfApprovalForbidden,
                "The creator of an approval cannot approve or reject it; someone else has to decide.");
        }

        return null;
    }

    private static bool Owns(Caller caller, ApprovalRecord approval) => approval.CreatedBy == caller.Actor;

    /// <summary>Strictest rule wins: self-approval needs every one of the approval's service rules to allow it.</summary>
    private async Task<bool> SelfApprovalAllowedAsync(ApprovalRecord approval, CancellationToken cancellationToken)
    {
        var ruleIds = approval.ServiceRules.Select(r => r.ServiceRuleId).ToList();
        return ruleIds.Count > 0
            && await db.ServiceRules.Where(r => ruleIds.Contains(r.Id)).AllAsync(r => r.AllowSelfApproval, cancellationToken);
    }

    private static DomainError Forbidden(string message) => new(ErrorKind.Forbidden, ErrorCodes.Forbidden, message);
}
