using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages;

/// <summary>
/// The inbox: what waits for the signed-in person's vote, and for those who delegated to them, by deadline
/// (<see cref="ApprovalInbox"/>, the same read as <c>GET /api/v1/inbox</c>), one page at a time.
/// </summary>
public sealed class IndexModel(ApprovalInbox inbox, PeopleDirectory people, TimeProvider clock) : PageModel
{
    public const int PageSize = 25;

    public IReadOnlyList<ApprovalRecord> Items { get; private set; } = [];

    public long Waiting { get; private set; }

    public long Overdue { get; private set; }

    public string? NextCursor { get; private set; }

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public DateTimeOffset Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? cursor, CancellationToken cancellationToken)
    {
        ApprovalCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && (!ApprovalCursor.TryDecode(cursor, out after) || after!.Sort != ApprovalSort.Deadline))
        {
            return BadRequest();
        }

        var result = await inbox.ReadAsync(Caller.From(HttpContext), PageSize, after, cancellationToken);
        if (result.Error is not null)
        {
            return Forbid();
        }

        var (read, next) = result.Value!;
        (Items, Waiting, Overdue, NextCursor, Now) = (read.Items, read.AwaitingMe, read.Overdue, next?.Encode(), clock.GetUtcNow());
        HttpContext.Items[typeof(InboxCounts)] = new InboxCounts(Waiting, Overdue);
        Names = await people.NamesOfAsync(Items.Select(i => i.CreatedBy), cancellationToken);
        return Page();
    }
}
