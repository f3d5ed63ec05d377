using System.Globalization;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages;

/// <summary>
/// The inbox: what waits for the signed-in person's vote, and for those who delegated to them, by deadline
/// (<see cref="ApprovalInbox"/>, the same read as <c>GET /api/v1/inbox</c>, with the same filters), one page at a
/// time; and approving several at once with one comment (<see cref="BulkVoting"/>, as <c>POST /api/v1/votes:bulk</c>:
/// each vote commits on its own; the request's unit of work holds only the form's submission, so a repeated post
/// shows what the first one did).
/// </summary>
[InUnitOfWork]
public sealed class IndexModel(ApprovalInbox inbox, ServiceRuleChoices serviceRules, PeopleDirectory people, TimeProvider clock) : PageModel
{
    public const int PageSize = 25;

    /// <summary>Text in the title (any case), as the API's <c>q</c>.</summary>
    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Text { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ServiceRule { get; set; }

    /// <summary><c>true</c>: overdue only; <c>false</c>: not overdue yet; empty: both.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Overdue { get; set; }

    public IReadOnlyList<ApprovalRecord> Items { get; private set; } = [];

    public long Waiting { get; private set; }

    public long OverdueCount { get; private set; }

    public long Matching { get; private set; }

    public string? NextCursor { get; private set; }

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<ServiceRuleChoice> Rules { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    public FormErrors Errors { get; private set; } = FormErrors.None;

    /// <summary>What the last bulk approval came to, item by item (after its redirect).</summary>
    public IReadOnlyList<ItemOutcome> Outcomes { get; private set; } = [];

    public string? Notice { get; private set; }

    public bool Filtered => !string.IsNullOrWhiteSpace(Text) || !string.IsNullOrEmpty(ServiceRule) || !string.IsNullOrEmpty(Overdue);

    public async Task<IActionResult> OnGetAsync(string? cursor, CancellationToken cancellationToken)
    {
        ApprovalCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && (!ApprovalCursor.TryDecode(cursor, out after) || after!.Sort != ApprovalSort.Deadline))
        {
            return BadRequest();
        }

        (Outcomes, Notice) = (Notices.TakeOutcomes(TempData), Notices.Take(TempData));
        var errors = new FieldErrors();
        var filter = ReadFilter(errors);
        Result<InboxPageRead> result = errors.ToError() is { } invalid
            ? invalid
            : await inbox.ReadAsync(Caller.From(HttpContext), PageSize, after, filter, cancellationToken);
        Rules = await serviceRules.ListAsync(cancellationToken);
        Now = clock.GetUtcNow();
        if (result.Error is { Kind: ErrorKind.Validation } refused)
        {
            Errors = FormErrors.From(refused);
            Response.StatusCode = Problems.StatusFor(refused.Kind);
            return Page();
        }

        if (result.Error is not null)
        {
            return Forbid();
        }

        var (items, counts, next) = result.Value!;
        (Items, Waiting, OverdueCount, Matching, NextCursor) = (items, counts.Awaiting, counts.Overdue, counts.Matching, next?.Encode());
        HttpContext.Items[typeof(InboxCounts)] = counts;
        Names = await people.NamesOfAsync(Items.Select(i => i.CreatedBy), cancellationToken);
        return Page();
    }

    /// <summary>Approves the chosen requests, each on its own and with the same comment, then shows what each came to.</summary>
    public async Task<IActionResult> OnPostApproveAsync(
        string[]? ids, string? comment, [FromServices] BulkVoting voting, [FromServices] ApprovalStore approvals, CancellationToken cancellationToken)
    {
        if (ids is not { Length: > 0 and <= BulkVoting.MaxItems })
        {
            Notices.Set(TempData, ids is { Length: > 0 }
                ? $"Choose at most {BulkVoting.MaxItems} requests at a time."
                : "Choose the requests to approve first.");
            return LocalRedirect(FilteredUrl());
        }

        var caller = Caller.From(HttpContext);
        var vote = new VoteRequest(VoteChoice.Approve, string.IsNullOrEmpty(comment) ? null : comment);
        var items = ids.Select(id => Guid.TryParse(id, out var approvalId)
            ? new BulkVoteItem(approvalId, vote, null)
            : new BulkVoteItem(Guid.Empty, null, RequestParsing.InvalidId("approvalId"))).ToList();
        var outcomes = new List<ItemOutcome>();
        foreach (var outcome in await voting.VoteAsync(items, caller, cancellationToken))
        {
            if (outcome.Result.Value is { } approval)
            {
                outcomes.Add(new ItemOutcome(approval.Title, PolicyRules.TakesVotes(approval.Status)
                    ? "Approved; others still have to vote."
                    : "Approved, and your vote decided it.", Done: true));
                continue;
            }

            var error = outcome.Result.Error!;
            var title = outcome.ApprovalId != Guid.Empty && await approvals.GetAsync(outcome.ApprovalId, caller, cancellationToken) is { Value: { } found }
                ? found.Title
                : "A request";
            var words = error.FieldErrors is { Count: > 0 } fields ? string.Join(" ", fields.Values.SelectMany(m => m)) : ProblemWords.For(error);
            outcomes.Add(new ItemOutcome(title, $"Not approved: {words}", Done: false));
        }

        Notices.SetOutcomes(TempData, outcomes);
        return LocalRedirect(FilteredUrl());
    }

    /// <summary>This page with the filters kept (and <paramref name="cursor"/> when given): for paging and after a post.</summary>
    public string FilteredUrl(string? cursor = null)
    {
        var query = new List<string>();
        if (!string.IsNullOrWhiteSpace(Text))
        {
            query.Add("q=" + Uri.EscapeDataString(Text));
        }

        if (!string.IsNullOrEmpty(ServiceRule))
        {
            query.Add("serviceRule=" + Uri.EscapeDataString(ServiceRule));
        }

        if (!string.IsNullOrEmpty(Overdue))
        {
            query.Add("overdue=" + Uri.EscapeDataString(Overdue));
        }

        if (cursor is not null)
        {
            query.Add("cursor=" + Uri.EscapeDataString(cursor));
        }

        return query.Count == 0 ? "/" : "/?" + string.Join('&', query);
    }

    public bool IsRule(ServiceRuleChoice rule) => ServiceRule == rule.Id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The filters as the API reads them (the same parsing, the same field names).</summary>
    private InboxFilter ReadFilter(FieldErrors errors) => new(
        RequestParsing.ParseInt(ServiceRule, "serviceRule", 1, int.MaxValue, errors),
        Text,
        RequestParsing.ParseBool(Overdue, "overdue", errors));
}
