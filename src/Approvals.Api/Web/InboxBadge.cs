using Approvals.Api.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewComponents;

namespace Approvals.Api.Web;

/// <summary>The header's count of what waits for the signed-in person, and how much of it is overdue.</summary>
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
            || await inbox.ReadAsync(viewer.Caller, 1, null, InboxFilter.None, HttpContext.RequestAborted) is not { Value: { } page })
        {
            return Content("");
        }

        return View(new InboxCounts(page.Read.AwaitingMe, page.Read.Overdue));
    }
}

/// <summary>How many approvals wait for the signed-in person, and how many of them are overdue; a page that read them leaves them in HttpContext.Items.</summary>
public sealed record InboxCounts(long Waiting, long Overdue);
