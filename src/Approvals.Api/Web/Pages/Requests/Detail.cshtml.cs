using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages.Requests;

/// <summary>
/// One approval: its fields, stages and votes, delivery progress (updated live, <see cref="ApprovalLive"/>) and
/// timeline, and the actions the signed-in person may take, each a form post to the use case the API calls
/// (<see cref="ApprovalWorkflow.VoteAsync"/>, <see cref="ApprovalWorkflow.UpdateAsync"/>) with the version the page
/// showed, as an If-Match. Someone who may not read the approval gets the 404 page, as the API answers them.
/// </summary>
[InUnitOfWork]
public sealed class DetailModel(
    ApprovalQueries queries, ApprovalActions actions, ApprovalWorkflow workflow, PeopleDirectory people, TimeProvider clock) : PageModel
{
    public const string DecideForm = "decide";
    public const string CancelForm = "cancel";

    public ApprovalView View { get; private set; } = null!;

    public FormErrors Errors { get; private set; } = FormErrors.None;

    /// <summary>Which form a refused post came from (<see cref="DecideForm"/> or <see cref="CancelForm"/>), to show its errors and keep its comment.</summary>
    public string? FailedForm { get; private set; }

    /// <summary>The comment of the refused post, shown again in its form.</summary>
    public string? PostedComment { get; private set; }

    /// <summary>The confirmation after a successful post.</summary>
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, string? done, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return NotFound();
        }

        Done = ApprovalWords.Done(done);
        return await ShowAsync(approvalId, cancellationToken) ? Page() : NotFound();
    }

    /// <summary>The status and delivery progress alone (the live region's content), rendered as on the page.</summary>
    public async Task<IActionResult> OnGetProgressAsync(string id, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId)
            || await queries.WithDeliveriesAsync(approvalId, Caller.From(HttpContext), cancellationToken) is not { Value: { } record })
        {
            return NotFound();
        }

        return Partial("_ApprovalProgress", ApprovalProgress.From(record));
    }

    /// <summary>The timeline alone, rendered as on the page: the live updates fetch it again after each event.</summary>
    public async Task<IActionResult> OnGetTimelineAsync(string id, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId) || !await ShowAsync(approvalId, cancellationToken, withActions: false))
        {
            return NotFound();
        }

        return Partial("_ApprovalTimeline", View.Timeline);
    }

    /// <summary>A vote in the open stage, for the caller or for someone who delegated to them (<c>POST …/votes</c>).</summary>
    public async Task<IActionResult> OnPostVoteAsync(
        string id, string? choice, string? comment, string? onBehalfOf, string? version, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return NotFound();
        }

        if (PolicyWireNames.ParseChoice(choice) is not { } vote || !TryParseVersion(version, out var shown))
        {
            return BadRequest();
        }

        var request = new VoteRequest(vote, CommentOf(comment), string.IsNullOrEmpty(onBehalfOf) ? null : onBehalfOf, Expected(shown));
        var result = await workflow.VoteAsync(approvalId, request, Caller.From(HttpContext), cancellationToken);
        return await AnswerAsync(approvalId, result, $"vote-{vote.ToWireName()}", DecideForm, comment, shown, cancellationToken);
    }

    /// <summary>Approve, reject or cancel by a decision (<c>POST …/decision</c>).</summary>
    public async Task<IActionResult> OnPostDecideAsync(string id, string? choice, string? comment, string? version, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return NotFound();
        }

        if (!DecisionExtensions.TryParse(choice, out var decision) || !TryParseVersion(version, out var shown))
        {
            return BadRequest();
        }

        var change = new ApprovalChange(new ApprovalEdit(Comment: CommentOf(comment)), decision, Expected(shown));
        var result = await workflow.UpdateAsync(approvalId, change, Caller.From(HttpContext), cancellationToken);
        var form = decision == Decision.Cancel ? CancelForm : DecideForm;
        return await AnswerAsync(approvalId, result, choice!.Trim().ToLowerInvariant(), form, comment, shown, cancellationToken);
    }

    /// <summary>
    /// After a post: back to the page with a confirmation (post-redirect-get; the unit of work commits), or the page
    /// again with the refusal in words and its status (nothing was written). Hidden approvals stay not found.
    /// </summary>
    private async Task<IActionResult> AnswerAsync(
        Guid id, Result<ApprovalRecord> result, string done, string form, string? comment, int? shown, CancellationToken cancellationToken)
    {
        if (result.IsSuccess)
        {
            return LocalRedirect($"/approvals/{id}?done={done}");
        }

        var error = result.Error!;
        if (error.Kind == ErrorKind.NotFound || !await ShowAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Errors = error.Code == ErrorCodes.VersionMismatch && shown is { } version
            ? FormErrors.Message(StalePageWords.For(error, View.Timeline, version, Caller.From(HttpContext)))
            : FormErrors.From(error);
        (FailedForm, PostedComment) = (form, comment);
        Response.StatusCode = Problems.StatusFor(error.Kind);
        return Page();
    }

    /// <summary>Reads what the page shows, with the API's read rule; false when the caller may not read the approval.</summary>
    private async Task<bool> ShowAsync(Guid id, CancellationToken cancellationToken, bool withActions = true)
    {
        var caller = Caller.From(HttpContext);
        if (await queries.WithDeliveriesAsync(id, caller, cancellationToken) is not { Value: { } record }
            || await queries.HistoryAsync(id, caller, cancellationToken) is not { Value: { } history })
        {
            return false;
        }

        var names = await people.NamesOfAsync(ApprovalView.ActorsOf(record, history), cancellationToken);
        var offered = withActions ? await actions.OfferedAsync(record, caller, cancellationToken) : ActionsOffered.None;
        View = ApprovalView.From(record, history, names, offered, clock.GetUtcNow());
        return true;
    }

    /// <summary>An empty comment box means no comment: a decision without one keeps the approval's comment as it is.</summary>
    private static string? CommentOf(string? comment) => string.IsNullOrWhiteSpace(comment) ? null : comment;

    /// <summary>The version the form carried; a page always sends one, and anything else is a malformed post.</summary>
    /// <summary>The version the page showed, as the If-Match it stands for.</summary>
    private static ExpectedVersions? Expected(int? shown) => shown is { } version ? new ExpectedVersions(version) : null;

    private static bool TryParseVersion(string? value, out int? version)
    {
        version = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        return version is not null;
    }
}
