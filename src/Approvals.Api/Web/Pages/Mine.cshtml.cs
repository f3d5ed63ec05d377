using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages;

/// <summary>One of the person's requests as the list shows it.</summary>
public sealed record MyRequestRow(ApprovalRecord Approval, string Progress);

/// <summary>
/// "My requests": what the signed-in person created, newest first, one page at a time, optionally of one status
/// (<see cref="ApprovalQueries.ListAsync"/>, the read behind <c>GET /api/v1/approvals?mine=true&amp;sort=-createdAt</c>).
/// </summary>
public sealed class MineModel(ApprovalQueries queries, PeopleDirectory people, TimeProvider clock) : PageModel
{
    public const int PageSize = 25;

    /// <summary>The statuses the filter offers, in the order a request goes through them.</summary>
    public static readonly IReadOnlyList<ApprovalStatus> StatusChoices =
    [
        ApprovalStatus.Pending, ApprovalStatus.AcknowledgedApproved, ApprovalStatus.AcknowledgedRejected, ApprovalStatus.AcknowledgedCancelled,
        ApprovalStatus.Approved, ApprovalStatus.Rejected, ApprovalStatus.Cancelled, ApprovalStatus.Error,
    ];

    public IReadOnlyList<MyRequestRow> Rows { get; private set; } = [];

    /// <summary>The status filter as the form sends it (a wire name such as <c>PENDING</c>); null shows every status.</summary>
    public ApprovalStatus? Status { get; private set; }

    public string? NextCursor { get; private set; }

    public string? Notice { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public bool CanCreate => WebViewer.Of(HttpContext)?.CanCreate == true;

    public async Task<IActionResult> OnGetAsync(string? status, string? cursor, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(status))
        {
            if (!ApprovalStatusNames.TryParse(status, out var parsed) || !StatusChoices.Contains(parsed))
            {
                return BadRequest();
            }

            Status = parsed;
        }

        ApprovalCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && (!ApprovalCursor.TryDecode(cursor, out after) || after!.Sort != ApprovalSort.CreatedAtDescending))
        {
            return BadRequest();
        }

        var filter = new ApprovalFilter(Status is { } only ? [only] : null, null, null, ApprovalSort.CreatedAtDescending, PageSize, after,
            CreatedByCaller: true);
        var (items, next) = await queries.ListAsync(filter, Caller.From(HttpContext), cancellationToken);
        var membersOf = await people.MembersOfAsync(RequestProgress.OpenStages(items), cancellationToken);
        Rows = [.. items.Select(item => new MyRequestRow(item, RequestProgress.Of(item, membersOf)))];
        (NextCursor, Now, Notice) = (next?.Encode(), clock.GetUtcNow(), Notices.Take(TempData));
        return Page();
    }

    /// <summary>The link to the next page, keeping the status filter.</summary>
    public string NextPageUrl() =>
        "/mine?" + (Status is { } status ? $"status={status.ToWireName()}&" : "") + $"cursor={Uri.EscapeDataString(NextCursor!)}";
}
