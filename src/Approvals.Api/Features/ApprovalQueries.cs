using System.Buffers.Text;
using System.Text;
using Approvals.Api.Http;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Features;

public enum ApprovalSort
{
    Deadline,
    DeadlineDescending,
    CreatedAt,
    CreatedAtDescending,
}

/// <param name="CreatedByCaller">Only the approvals the caller created ("my requests"), whatever else it may read.</param>
public sealed record ApprovalFilter(
    IReadOnlyList<ApprovalStatus>? Statuses,
    int? ServiceRule,
    bool? Overdue,
    ApprovalSort Sort,
    int Limit,
    ApprovalCursor? After,
    bool CreatedByCaller = false);

/// <summary>
/// The position after the last item of a page: the sort it belongs to, its sort value and id (the tie-breaker).
/// The sort is part of the cursor because a position in one order means nothing in another.
/// </summary>
public sealed record ApprovalCursor(ApprovalSort Sort, DateTimeOffset SortValue, Guid Id)
{
    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{(int)Sort}.{SortValue.UtcTicks}.{Id:N}"));

    public static bool TryDecode(string? value, out ApprovalCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(value) || value.Length > 100)
        {
            return false;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
            var parts = text.Split('.');
            if (parts.Length == 3
                && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sort)
                && Enum.IsDefined((ApprovalSort)sort)
                && long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[2], "N", out var id))
            {
                cursor = new ApprovalCursor((ApprovalSort)sort, new DateTimeOffset(ticks, TimeSpan.Zero), id);
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }
}

/// <summary>
/// Reads approvals. No rules here beyond which statuses count as open, and those come from the table; what a caller
/// may see comes from <see cref="ApprovalAccess"/>.
/// </summary>
public sealed class ApprovalQueries(ApprovalsDbContext db, TimeProvider clock)
{
    /// <summary>Statuses in which an approval still awaits a decision: those the table lets a user approve from.</summary>
    private static readonly ApprovalStatus[] OpenStatuses =
        [.. ApprovalStatusNames.All.Where(s => ApprovalStateMachine.Evaluate(s, ApprovalCommand.Approve).IsAllowed)];

    /// <summary>An approval the caller may act on (which a write or decide key may do without read rights).</summary>
    public async Task<Result<ApprovalRecord>> GetForChangeAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        var approval = await db.Approvals.AsNoTracking()
            .Include(a => a.ServiceRules)
            .FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        return approval is null
            ? Problems.ApprovalNotFound(id)
            : ApprovalAccessRules.CheckVisible(caller, approval.Id, approval.CreatedBy) is { } hidden ? hidden : approval;
    }

    public async Task<(List<ApprovalRecord> Items, ApprovalCursor? Next)> ListAsync(ApprovalFilter filter, Caller caller, CancellationToken cancellationToken)
    {
        var query = ApprovalAccess.Readable(db.Approvals.AsNoTracking(), caller);
        if (filter.CreatedByCaller)
        {
            var actor = caller.Actor;
            query = query.Where(a => a.CreatedBy == actor);
        }

        if (filter.Statuses is { Count: > 0 } statuses)
        {
            query = query.Where(a => statuses.Contains(a.Status));
        }

        if (filter.ServiceRule is { } rule)
        {
            query = query.Where(a => a.ServiceRules.Any(r => r.ServiceRuleId == rule));
        }

        if (filter.Overdue is { } overdue)
        {
            var now = clock.GetUtcNow();
            query = overdue
                ? query.Where(a => a.Deadline < now && OpenStatuses.Contains(a.Status))
                : query.Where(a => !(a.Deadline < now && OpenStatuses.Contains(a.Status)));
        }

        if (filter.After is { } after)
        {
            var (value, id) = (after.SortValue, after.Id);
            query = filter.Sort switch
            {
                ApprovalSort.Deadline => query.Where(a => a.Deadline > value || (a.Deadline == value && a.Id.CompareTo(id) > 0)),
                ApprovalSort.DeadlineDescending => query.Where(a => a.Deadline < value || (a.Deadline == value && a.Id.CompareTo(id) < 0)),
                ApprovalSort.CreatedAt => query.Where(a => a.CreatedAt > value || (a.CreatedAt == value && a.Id.CompareTo(id) > 0)),
                _ => query.Where(a => a.CreatedAt < value || (a.CreatedAt == value && a.Id.CompareTo(id) < 0)),
            };
        }

        query = filter.Sort switch
        {
            ApprovalSort.Deadline => query.OrderBy(a => a.Deadline).ThenBy(a => a.Id),
            ApprovalSort.DeadlineDescending => query.OrderByDescending(a => a.Deadline).ThenByDescending(a => a.Id),
            ApprovalSort.CreatedAt => query.OrderBy(a => a.CreatedAt).ThenBy(a => a.Id),
            _ => query.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id),
        };

        var items = await query
            .Take(filter.Limit + 1)
            .Include(a => a.ServiceRules)
            .Include(a => a.DeliveryJobs)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);

        ApprovalCursor? next = null;
        if (items.Count > filter.Limit)
        {
            items.RemoveAt(items.Count - 1);
            var last = items[^1];
            var sortValue = filter.Sort is ApprovalSort.Deadline or ApprovalSort.DeadlineDescending ? last.Deadline : last.CreatedAt;
            next = new ApprovalCursor(filter.Sort, sortValue, last.Id);
        }

        return (items, next);
    }

    /// <summary>The original list: PENDING only unless <paramref name="includeAll"/>, by deadline, offset paging.</summary>
    public Task<List<ApprovalRecord>> ListLegacyAsync(bool includeAll, int limit, int offset, Caller caller, CancellationToken cancellationToken)
    {
        var query = ApprovalAccess.Readable(db.Approvals.AsNoTracking(), caller);
        if (!includeAll)
        {
            query = query.Where(a => a.Status == ApprovalStatus.Pending);
        }

        return query
            .OrderBy(a => a.Deadline).ThenBy(a => a.Id)
            .Skip(offset)
            .Take(limit)
            .Include(a => a.ServiceRules)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// An approval the caller may read with its service rules (and their names) and every delivery job it ever had,
    /// with all their attempts: <c>GET /api/v1/approvals/{id}/deliveries</c> and the detail page's delivery progress.
    /// </summary>
    public async Task<Result<ApprovalRecord>> WithDeliveriesAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        var approval = await ApprovalAccess.Readable(db.Approvals.AsNoTracking(), caller)
            .Include(a => a.ServiceRules).ThenInclude(r => r.ServiceRule)
            .Include(a => a.DeliveryJobs).ThenInclude(j => j.AttemptLog)
            .AsSplitQuery()
            .FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        return approval is null ? Problems.ApprovalNotFound(id) : approval;
    }

    /// <summary>
    /// The approval's delivery jobs as they are shown: earlier decisions' first, the current one's last; within a
    /// decision, in the approval's service rule order.
    /// </summary>
    public static IEnumerable<DeliveryJob> JobsInOrder(ApprovalRecord approval)
    {
        var position = approval.ServiceRules.ToDictionary(r => r.ServiceRuleId, r => r.Position);
        return approval.DeliveryJobs
            .OrderBy(j => j.DecisionId == approval.CurrentDecisionId)
            .ThenBy(j => j.CreatedAt)
            .ThenBy(j => j.DecisionId)
            .ThenBy(j => position.GetValueOrDefault(j.ServiceRuleId, int.MaxValue));
    }

    /// <summary>The approval's events, in their sequence: its history.</summary>
    public async Task<Result<List<ApprovalEventRecord>>> HistoryAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        if (!await ApprovalAccess.Readable(db.Approvals, caller).AnyAsync(a => a.Id == id, cancellationToken))
        {
            return Problems.ApprovalNotFound(id);
        }

        return await db.Events.AsNoTracking()
            .Where(e => e.ApprovalId == id)
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
    }
}
