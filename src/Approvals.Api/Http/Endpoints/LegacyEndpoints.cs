using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// The original service's routes and shapes, mapped onto <see cref="ApprovalCreation"/>,
/// <see cref="ApprovalWorkflow"/> and <see cref="ApprovalQueries"/>: no second copy of the rules, but proper status
/// codes instead of 500.
/// </summary>
public static class LegacyEndpoints
{
    internal const int DefaultLimit = 100;
    internal const int MaxLimit = 1000;

    /// <summary>What the legacy routes with a body accept besides JSON: anything, read as JSON (<see cref="UseLegacyBodies"/>).</summary>
    private const string AnyContentType = "*/*";

    public static IEndpointRouteBuilder MapLegacyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status", GetStatus).WithTags("Legacy").AllowAnonymous().WithName(nameof(GetStatus));

        var group = app.MapGroup("").WithTags("Legacy");
        group.MapPost("/request", CreateRequest).InUnitOfWork().WithName(nameof(CreateRequest)).RequireAuthorization(AuthPolicies.CreateApprovals)
            .Accepts<LegacyCreateRequest>("application/json", AnyContentType).WithMetadata(ReadsBodyAsJson.Instance);
        group.MapGet("/request", GetRequest).WithName(nameof(GetRequest)).RequireAuthorization(AuthPolicies.ReadApprovals);
        group.MapGet("/requests", ListRequests).WithName(nameof(ListRequests)).RequireAuthorization(AuthPolicies.ReadApprovals);
        group.MapPut("/request", UpdateRequest).InUnitOfWork().WithName(nameof(UpdateRequest)).RequireAuthorization(AuthPolicies.ChangeApprovals)
            .Accepts<LegacyUpdateRequest>("application/json", AnyContentType).WithMetadata(ReadsBodyAsJson.Instance);
        return app;
    }

    /// <summary>
    /// The original service read every request body as JSON whatever its <c>Content-Type</c> said, or without one, so
    /// its clients may send JSON as <c>text/plain</c>, as a form (<c>curl -d</c>) or undeclared: on the routes marked
    /// <see cref="ReadsBodyAsJson"/> such a body is read as JSON too. A charset other than UTF-8 is still refused, and
    /// the v1 routes still answer 415 to anything but JSON. Routing lets any content type through to these endpoints
    /// (<see cref="AnyContentType"/>); this runs after it, and tells the body's JSON reader what the body is.
    /// </summary>
    public static IApplicationBuilder UseLegacyBodies(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ReadsBodyAsJson>() is not null && !context.Request.HasJsonContentType())
        {
            context.Request.ContentType = "application/json";
        }

        return next(context);
    });

    /// <summary>Marks an endpoint whose body is JSON whatever its declared content type (<see cref="UseLegacyBodies"/>).</summary>
    private sealed class ReadsBodyAsJson
    {
        public static readonly ReadsBodyAsJson Instance = new();
    }

    public static Ok<LegacyStatus> GetStatus() => TypedResults.Ok(new LegacyStatus("ok"));

    public static async Task<Results<Ok<LegacyItemEnvelope>, ProblemHttpResult>> CreateRequest(
        LegacyCreateRequest request, ApprovalCreation creation, HttpContext context, CancellationToken cancellationToken)
    {
        IReadOnlyList<int>? rules = request.ServiceRule is { } rule ? [rule] : null;
        var draft = new ApprovalDraft(request.Title, request.Description, request.Deadline, request.Comment, rules);
        var result = await creation.CreateAsync(draft, Caller.From(context), cancellationToken);
        return result.Error is { } error
            ? Legacy(error).ToProblem()
            : TypedResults.Ok(new LegacyItemEnvelope(LegacyApproval.From(result.Value!)));
    }

    public static async Task<Results<Ok<LegacySingleItemsEnvelope>, ProblemHttpResult>> GetRequest(
        ApprovalStore reader, HttpContext context, CancellationToken cancellationToken, [FromQuery] string? id = null)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var result = await reader.GetAsync(approvalId, Caller.From(context), cancellationToken);
        return result.Error is { } error
            ? error.ToProblem()
            : TypedResults.Ok(new LegacySingleItemsEnvelope(LegacyApproval.From(result.Value!)));
    }

    public static async Task<Results<Ok<LegacyListEnvelope>, ProblemHttpResult>> ListRequests(
        ApprovalQueries queries,
        HttpContext context,
        CancellationToken cancellationToken,
        [FromQuery] string? limit = null,
        [FromQuery] string? offset = null,
        [FromQuery(Name = "default")] string? includeAll = null)
    {
        var errors = new FieldErrors();
        var take = RequestParsing.ParseInt(limit, "limit", 1, MaxLimit, errors) ?? DefaultLimit;
        var skip = RequestParsing.ParseInt(offset, "offset", 0, int.MaxValue, errors) ?? 0;
        var all = RequestParsing.ParseInt(includeAll, "default", 0, 1, errors) == 1;
        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        var items = await queries.ListLegacyAsync(all, take, skip, Caller.From(context), cancellationToken);
        return TypedResults.Ok(new LegacyListEnvelope([.. items.Select(LegacyApproval.From)]));
    }

    public static async Task<Results<Ok<LegacyItemEnvelope>, ProblemHttpResult>> UpdateRequest(
        LegacyUpdateRequest request, ApprovalWorkflow workflow, ApprovalQueries queries, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(request.Id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var caller = Caller.From(context);
        var current = await queries.GetForChangeAsync(approvalId, caller, cancellationToken);
        if (current.Error is { } notFound)
        {
            return notFound.ToProblem();
        }

        // Old clients send the whole object back; a status equal to the current one is not a decision, and the
        // single service_rule they know stands for the approval's first rule.
        Decision? decision = null;
        if (request.Status is { } status && status != 0 && status != (int)current.Value!.Status)
        {
            if (!ApprovalStatusNames.IsDefined(status))
            {
                return DomainError.Validation("status", "Must be a status number from 0 to 8.").ToProblem();
            }

            if (!DecisionExtensions.TryFromFinalStatus((ApprovalStatus)status, out var decided))
            {
                return new DomainError(ErrorCodes.InvalidTransition,
                    "The status can only be set to 3 (approve), 4 (reject) or 5 (cancel).").ToProblem();
            }

            decision = decided;
        }

        var currentFirstRule = current.Value!.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId).FirstOrDefault();
        IReadOnlyList<int>? rules = request.ServiceRule is { } rule && rule != currentFirstRule ? [rule] : null;
        var edit = new ApprovalEdit(request.Title, request.Description, request.Deadline, request.Comment, rules);
        var result = await workflow.UpdateAsync(approvalId, new ApprovalChange(edit, decision), caller, cancellationToken);
        return result.Error is { } error
            ? Legacy(error).ToProblem()
            : TypedResults.Ok(new LegacyItemEnvelope(LegacyApproval.From(result.Value!)));
    }

    /// <summary>Field errors name the legacy (snake_case) fields.</summary>
    private static DomainError Legacy(DomainError error) => error.FieldErrors is not { } fields
        ? error
        : error with { FieldErrors = fields.ToDictionary(f => f.Key == "serviceRules" ? "service_rule" : f.Key, f => f.Value) };
}
