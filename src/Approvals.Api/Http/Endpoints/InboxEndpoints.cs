using Approvals.Api.Auth;
using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Api.Http.Endpoints;

/// <summary>An inbox page: approvals by deadline, how many wait for the caller in all, how many of them are overdue.</summary>
public sealed record InboxPage(IReadOnlyList<ApprovalResponse> Items, long AwaitingMe, long Overdue, string? NextCursor);

/// <summary><c>GET /api/v1/inbox</c>: what waits for the caller's vote (docs/policies.md).</summary>
public static class InboxEndpoints
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/inbox", GetInbox).WithTags("Approvals").WithName(nameof(GetInbox)).RequireAuthorization();
        return app;
    }

    public static async Task<Results<Ok<InboxPage>, ProblemHttpResult>> GetInbox(
        ApprovalInbox inbox, HttpContext context, CancellationToken cancellationToken,
        [FromQuery] string? limit = null, [FromQuery] string? cursor = null)
    {
        var errors = new FieldErrors();
        var pageSize = RequestParsing.ParseInt(limit, "limit", 1, MaxPageSize, errors) ?? DefaultPageSize;
        ApprovalCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && (!ApprovalCursor.TryDecode(cursor, out after) || after!.Sort != ApprovalSort.Deadline))
        {
            errors.Add("cursor", "Not a cursor returned by the inbox.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        var result = await inbox.ReadAsync(Caller.From(context), pageSize, after, cancellationToken);
        if (result.Error is { } error)
        {
            return error.ToProblem();
        }

        var (read, next) = result.Value!;
        return TypedResults.Ok(new InboxPage([.. read.Items.Select(ApprovalResponse.From)], read.AwaitingMe, read.Overdue, next?.Encode()));
    }
}
