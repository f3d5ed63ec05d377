using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewComponents;

namespace Approvals.Api.Web;

/// <summary>
/// The header's count of what waits for the signed-in person, and how much of it is overdue: what the inbox page read,
/// or the counts <see cref="ApprovalInbox.CountAsync"/> keeps, so other pages do not count the inbox each time.
/// </summary>
public sealed class InboxBadgeViewComponent(ApprovalInbox inbox) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        // The inbox page has read the counts already: one read of the inbox per page, not two.
        if (HttpContext.Items[typeof(InboxCounts)] is InboxCounts known)
        {
            return View(known);
        }

        if (WebViewer.Of(HttpContext) is not { } viewer
            || await inbox.CountAsync(viewer.Caller, HttpContext.RequestAborted) is not { Value: { } counts })
        {
            return Content("");
        }

        return View(counts);
    }
}
