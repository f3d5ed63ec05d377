using System.Text.Json.Serialization;
using Approvals.Api.Auth;
using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Approvals.Api.Http.Endpoints;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BulkVoteItemBody(string? ApprovalId, string? Vote, string? Comment, string? OnBehalfOf);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record BulkVoteRequest(BulkVoteItemBody[]? Items);

/// <summary>
/// One item's result, in the request's order: the HTTP status the vote alone would have had, and either the approval
/// after it or the problem's stable code and detail.
/// </summary>
public sealed record BulkVoteResult(
    string? ApprovalId,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Errors,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ApprovalResponse? Approval);

public sealed record BulkVoteResponse(IReadOnlyList<BulkVoteResult> Results);

/// <summary><c>POST /api/v1/votes:bulk</c>: up to 100 votes, each its own transaction, one result per item.</summary>
public static class BulkVoteEndpoints
{
    public static IEndpointRouteBuilder MapBulkVoteEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/votes:bulk", VoteInBulk).InUnitOfWork().AddEndpointFilter<IdempotencyFilter<BulkVoteRequest>>()
            .WithTags("Approvals").WithName(nameof(VoteInBulk)).RequireAuthorization();
        return app;
    }

    public static async Task<Results<Ok<BulkVoteResponse>, ProblemHttpResult>> VoteInBulk(
        BulkVoteRequest request, BulkVoting voting, HttpContext context, CancellationToken cancellationToken)
    {
        if (request.Items is not { Length: > 0 and <= BulkVoting.MaxItems } bodies)
        {
            return DomainError.Validation("items", $"Between 1 and {BulkVoting.MaxItems} items are allowed.").ToProblem();
        }

        var items = bodies.Select(ToItem).ToList();
        var outcomes = await voting.VoteAsync(items, Caller.From(context), cancellationToken);
        return TypedResults.Ok(new BulkVoteResponse([.. outcomes.Select((outcome, i) => ToResult(bodies[i], outcome))]));
    }

    private static BulkVoteItem ToItem(BulkVoteItemBody? body)
    {
        var errors = new FieldErrors();
        var id = Guid.Empty;
        if (body is null || !RequestParsing.TryParseId(body.ApprovalId, out id))
        {
            errors.Add("approvalId", "Must be an approval id (a UUID).");
        }

        var choice = PolicyWireNames.ParseChoice(body?.Vote);
        if (choice is null)
        {
            errors.Add("vote", "Must be approve or reject.");
        }

        return errors.ToError() is { } invalid
            ? new BulkVoteItem(id, null, invalid)
            : new BulkVoteItem(id, new VoteRequest(choice!.Value, body!.Comment, body.OnBehalfOf), null);
    }

    private static BulkVoteResult ToResult(BulkVoteItemBody? body, BulkVoteOutcome outcome)
    {
        if (outcome.Result.Error is { } error)
        {
            return new BulkVoteResult(body?.ApprovalId, Problems.StatusFor(error.Kind), error.Code, error.Message, error.FieldErrors, null);
        }

        var approval = outcome.Result.Value!;
        var status = PolicyRules.TakesVotes(approval.Status) ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;
        return new BulkVoteResult(body?.ApprovalId, status, null, null, null, ApprovalResponse.From(approval));
    }
}
