using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>The domain's read rule (<see cref="ApprovalAccessRules.ReadFilter"/>) as a filter on EF Core queries.</summary>
public static class ApprovalAccess
{
    /// <summary>The approvals <paramref name="caller"/> may read.</summary>
    public static IQueryable<ApprovalRecord> Readable(IQueryable<ApprovalRecord> approvals, Caller caller)
    {
        if (ApprovalAccessRules.ReadFilter(caller) is not { MayRead: true, CreatedBy: var createdBy })
        {
            return approvals.Where(a => false);
        }

        // EF Core evaluates the null test before translating, so callers who read everything get no condition at all.
        return approvals.Where(a => createdBy == null || a.CreatedBy == createdBy);
    }
}
