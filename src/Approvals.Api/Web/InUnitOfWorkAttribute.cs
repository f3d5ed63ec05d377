using Approvals.Api.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web;

/// <summary>
/// Owns the request's <see cref="UnitOfWork"/> for a page's form posts, as <c>UnitOfWorkFilter</c> does for the API's
/// endpoints: a post that succeeded answers with a redirect (post-redirect-get) and its unit is committed; a refused
/// post re-renders the page with the problem's status, and its unit is left to roll back, so it writes nothing.
/// A post of a form submitted before runs once (<see cref="FormSubmission"/>): a repeat answers as the first did.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class InUnitOfWorkAttribute : Attribute, IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            await next();
            return;
        }

        var (submission, invalid) = await FormSubmission.ReadAsync(http, ((PageModel)context.HandlerInstance).TempData);
        if (invalid)
        {
            context.Result = new BadRequestResult();
            return;
        }

        if (submission is not null && await submission.EarlierAnswerAsync() is { } earlier)
        {
            context.Result = earlier;
            return;
        }

        var executed = await next();
        if (executed.Exception is not null)
        {
            return;
        }

        if (executed.Result is LocalRedirectResult or RedirectResult or RedirectToPageResult)
        {
            if (submission is not null && executed.Result is LocalRedirectResult redirect && !await submission.RecordAsync(redirect))
            {
                // A post of the same submission ran at the same time and stored its answer first: this one's work is
                // rolled back (the unit is not committed), and the person sees what the first one did.
                executed.Result = await submission.EarlierAnswerAsync()
                    ?? throw new InvalidOperationException("A form submission's answer was stored, yet it cannot be read.");
                return;
            }

            await http.RequestServices.GetRequiredService<UnitOfWork>().CommitAsync(CancellationToken.None);
        }
        else if (submission is not null && await submission.EarlierAnswerAsync() is { } first)
        {
            // Refused because a post of the same submission had already done the work (a vote already cast): its answer.
            executed.Result = first;
        }
    }
}
