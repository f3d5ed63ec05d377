using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages.Admin;

/// <summary>
/// The failed deliveries (<see cref="FailedDeliveries"/>): approvals in ERROR with the failed jobs of their current
/// decision, each with a "Redeliver" button that runs <see cref="Redelivery"/>, the use case of
/// <c>POST /api/v1/approvals/{id}/deliveries/{jobId}/retry</c>, in this request's unit of work (committed by
/// <see cref="InUnitOfWorkAttribute"/> on success). A redelivery then shows where the approval stands, as long as the page is reloaded.
/// </summary>
[InUnitOfWork]
public sealed class DeliveriesModel(FailedDeliveries failed, Redelivery redelivery, ApprovalStore approvals) : PageModel
{
    public const int PageSize = 25;

    public IReadOnlyList<FailedApprovalRow> Items { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public FormErrors Errors { get; private set; } = FormErrors.None;

    /// <summary>The approval a redelivery just sent again, as it stands now.</summary>
    public ApprovalRecord? Redelivered { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? cursor, Guid? redelivered, CancellationToken cancellationToken)
    {
        if (redelivered is { } approvalId)
        {
            Redelivered = (await approvals.GetAsync(approvalId, Caller.From(HttpContext), cancellationToken)).Value;
        }

        return await ShowAsync(cursor, cancellationToken);
    }

    public async Task<IActionResult> OnPostRedeliverAsync(Guid approvalId, Guid jobId, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }

        var result = await redelivery.RedeliverAsync(approvalId, jobId, Caller.From(HttpContext), cancellationToken);
        if (result.Error is { } error)
        {
            Errors = FormErrors.Message(WordsFor(error));
            Response.StatusCode = Http.Problems.StatusFor(error.Kind);
            return await ShowAsync(null, cancellationToken);
        }

        return LocalRedirect($"/admin/deliveries?redelivered={approvalId}");
    }

    /// <summary>
    /// A redelivery is refused by the transition table when the approval left ERROR meanwhile: in this place that
    /// means someone else sent it again, or it was decided again.
    /// </summary>
    private static string WordsFor(DomainError error) => error.Code == ErrorCodes.InvalidTransition
        ? "This request is no longer in error: someone redelivered it or decided it again a moment ago."
        : ProblemWords.For(error);

    private async Task<IActionResult> ShowAsync(string? cursor, CancellationToken cancellationToken)
    {
        var page = await failed.ReadAsync(cursor, PageSize, cancellationToken);
        if (page.Error is not null)
        {
            return BadRequest();
        }

        (Items, NextCursor) = (page.Value!.Items, page.Value.NextCursor);
        return Page();
    }
}
