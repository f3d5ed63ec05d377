using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Features;

/// <summary>
/// The domain's access rules (<see cref="ApprovalAccessRules"/>) where they meet storage: as a filter on EF Core
/// queries, and the look-up of whether an approval's service rules allow self-approval.
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
    public static (bool MayRead, string? CreatedBy) ReadFilter(Caller caller) => ApprovalAccessRules.ReadFilter(caller);

    /// <summary>Null when the caller may act on the approval at all; otherwise the same 404 a missing one gets.</summary>
    public static DomainError? CheckVisible(Caller caller, ApprovalRecord approval) =>
        ApprovalAccessRules.CheckVisible(caller, approval.Id, approval.CreatedBy);

    /// <summary>Strictest rule wins: self-approval needs every one of the approval's service rules to allow it.</summary>
    public async Task<bool> SelfApprovalAllowedAsync(IReadOnlyList<int> serviceRules, CancellationToken cancellationToken)
    {
        var ruleIds = serviceRules.ToList();
        return ruleIds.Count > 0
            && await db.ServiceRules.Where(r => ruleIds.Contains(r.Id)).AllAsync(r => r.AllowSelfApproval, cancellationToken);
    }
}
