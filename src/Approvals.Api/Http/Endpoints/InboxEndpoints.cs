using Approvals.Api.Auth;
using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// An inbox page: approvals by deadline, how many wait for the caller in all, how many of them are overdue (both over
/// the whole inbox, whatever the filters), and how many match the filters (all of them without filters).
/// </summary>
public sealed record InboxPage(IReadOnlyList<ApprovalResponse> Items, long AwaitingMe, long Overdue, long Matching, string? NextCursor);

/// <summary><c>GET /api/v1/inbox</c>: what waits for the caller's vote (docs/policies.md).</summary>
public static class InboxEndpoints
{
    internal const int DefaultPageSize = 50;
    internal const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/inbox", GetInbox).WithTags("Approvals").WithName(nameof(GetInbox)).RequireAuthorization();
        return app;
    }

    /// <summary>
    /// <paramref name="serviceRule"/>, <paramref name="q"/> (text in the title, any case) and <paramref name="overdue"/>
    /// (true: past the deadline; false: not yet) narrow the page; a next page is asked for with the same filters and the cursor.
    /// </summary>
    public static async Task<Results<Ok<InboxPage>, ProblemHttpResult>> GetInbox(
        ApprovalInbox inbox, HttpContext context, CancellationToken cancellationToken,
        [FromQuery] string? limit = null, [FromQuery] string? cursor = null,
        [FromQuery] string? serviceRule = null, [FromQuery] string? q = null, [FromQuery] string? overdue = null)
    {
        var errors = new FieldErrors();
        var pageSize = RequestParsing.ParseInt(limit, "limit", 1, MaxPageSize, errors) ?? DefaultPageSize;
        var filter = new InboxFilter(
            RequestParsing.ParseInt(serviceRule, "serviceRule", 1, int.MaxValue, errors), q, RequestParsing.ParseBool(overdue, "overdue", errors));
        ApprovalCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && (!ApprovalCursor.TryDecode(cursor, out after) || after!.Sort != ApprovalSort.Deadline))
        {
            errors.Add("cursor", "Not a cursor returned by the inbox.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        var result = await inbox.ReadAsync(Caller.From(context), pageSize, after, filter, cancellationToken);
        if (result.Error is { } error)
        {
            return error.ToProblem();
        }

        var (items, counts, next) = result.Value!;
        return TypedResults.Ok(new InboxPage([.. items.Select(ApprovalResponse.From)], counts.Awaiting, counts.Overdue, counts.Matching, next?.Encode()));
    }
}
