using Approvals.Api.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Approvals.Api.Web;

/// <summary>
/// Owns the request's <see cref="UnitOfWork"/> for a page's form posts, as <c>UnitOfWorkFilter</c> does for the API's
/// endpoints: a post that succeeded answers with a redirect (post-redirect-get) and its unit is committed; a refused
/// post re-renders the page with the problem's status, and its unit is left to roll back, so it writes nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class InUnitOfWorkAttribute : Attribute, IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        if (HttpMethods.IsPost(context.HttpContext.Request.Method) && executed.Exception is null
            && executed.Result is LocalRedirectResult or RedirectResult or RedirectToPageResult)
        {
            await context.HttpContext.RequestServices.GetRequiredService<UnitOfWork>().CommitAsync(CancellationToken.None);
        }
    }
}
