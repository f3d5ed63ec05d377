using System.Text.Json;
using Approvals.Api.Auth;
using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Api.Http.Endpoints;

/// <summary>API v1: <c>/api/v1/approvals</c>.</summary>
public static class ApprovalEndpoints
{
    internal const int DefaultPageSize = 50;
    internal const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapApprovalEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/approvals").WithTags("Approvals");

        group.MapPost("/", CreateApproval).InUnitOfWork().AddEndpointFilter<IdempotencyFilter<CreateApprovalRequest>>().WithName(nameof(CreateApproval))
            .RequireAuthorization(AuthPolicies.CreateApprovals);
        group.MapGet("/", ListApprovals).WithName(nameof(ListApprovals)).RequireAuthorization(AuthPolicies.ReadApprovals);
        group.MapGet("/{id}", GetApproval).WithName(nameof(GetApproval)).RequireAuthorization(AuthPolicies.ReadApprovals);
        group.MapPatch("/{id}", PatchApproval).InUnitOfWork().WithName(nameof(PatchApproval))
            .Accepts<JsonElement>("application/merge-patch+json", "application/json").RequireAuthorization(AuthPolicies.EditApprovals);
        group.MapPost("/{id}/decision", DecideApproval).InUnitOfWork().AddEndpointFilter<IdempotencyFilter<DecisionRequest>>().WithName(nameof(DecideApproval))
            .RequireAuthorization(AuthPolicies.DecideApprovals);
        group.MapPost("/{id}/votes", VoteOnApproval).InUnitOfWork().AddEndpointFilter<IdempotencyFilter<VoteRequestBody>>().WithName(nameof(VoteOnApproval))
            .RequireAuthorization();
        group.MapGet("/{id}/history", GetApprovalHistory).WithName(nameof(GetApprovalHistory)).RequireAuthorization(AuthPolicies.ReadApprovals);

        app.MapGet("/api/v1/state-machine", GetStateMachine).WithTags("Approvals").RequireAuthorization().WithName(nameof(GetStateMachine));
        return app;
    }

    public static async Task<Results<Created<ApprovalResponse>, ProblemHttpResult>> CreateApproval(
        CreateApprovalRequest request, ApprovalCreation creation, HttpContext context, CancellationToken cancellationToken)
    {
        // The deadline settings' JSON shapes, as the merge patch checks them (ApprovalPatch); their rules are the domain's.
        DeadlineAction? onDeadline = null;
        var errors = new FieldErrors();
        if (request.OnDeadline is { } action)
        {
            if (DeadlineActions.TryParse(action, out var parsed))
            {
                onDeadline = parsed;
            }
            else
            {
                errors.Add("onDeadline", $"Must be {DeadlineActions.Listed}, or null for the service rules' default.");
            }
        }

        if (request.RemindBefore is { } reminders && Array.IndexOf(reminders, null) is var missing and >= 0)
        {
            errors.Add($"remindBefore[{missing}]", "Must be a string.");
        }

        var (stages, stagesField) = PolicyContracts.ToStages(request.Approvers, request.Policy, request.Stages, errors);
        var escalation = PolicyContracts.ToEscalation(request.Escalation, errors);
        if (!errors.IsEmpty)
        {
            // Reported with what the domain finds wrong in the plain fields, so that one answer names every bad field.
            ApprovalRules.CheckDraft(new ApprovalDraft(request.Title, request.Description, request.Deadline, request.Comment, request.ServiceRules), errors);
            return errors.ToError()!.ToProblem();
        }

        var draft = new ApprovalDraft(request.Title, request.Description, request.Deadline, request.Comment, request.ServiceRules,
            onDeadline, request.RemindBefore, stages, stagesField, escalation);
        var result = await creation.CreateAsync(draft, Caller.From(context), cancellationToken);
        if (result.Error is { } error)
        {
            return error.ToProblem();
        }

        context.Response.Headers.ETag = RequestParsing.ETagFor(result.Value!.Version);
        return TypedResults.Created($"/api/v1/approvals/{result.Value.Id}", ApprovalResponse.From(result.Value));
    }

    /// <summary>One approval with its <c>ETag</c>; 304 without a body when <c>If-None-Match</c> holds its version.</summary>
    public static async Task<Results<Ok<ApprovalResponse>, NotModified, ProblemHttpResult>> GetApproval(
        string id, ApprovalStore reader, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var headerErrors = new FieldErrors();
        var held = RequestParsing.ParseIfNoneMatch(context.Request, headerErrors);
        if (headerErrors.ToError() is { } badHeader)
        {
            return badHeader.ToProblem();
        }

        var result = await reader.GetAsync(approvalId, Caller.From(context), cancellationToken);
        if (result.Error is { } error)
        {
            return error.ToProblem();
        }

        context.Response.Headers.ETag = RequestParsing.ETagFor(result.Value!.Version);
        return held?.Includes(result.Value.Version) == true ? NotModified.Instance : TypedResults.Ok(ApprovalResponse.From(result.Value));
    }

    public static async Task<Results<Ok<ApprovalPage>, ProblemHttpResult>> ListApprovals(
        ApprovalQueries queries,
        HttpContext context,
        CancellationToken cancellationToken,
        [FromQuery] string? status = null,
        [FromQuery] string? serviceRule = null,
        [FromQuery] string? overdue = null,
        [FromQuery] string? mine = null,
        [FromQuery] string? sort = null,
        [FromQuery] string? limit = null,
        [FromQuery] string? cursor = null)
    {
        var errors = new FieldErrors();
        var statuses = ParseStatuses(status, errors);
        var rule = RequestParsing.ParseInt(serviceRule, "serviceRule", 1, int.MaxValue, errors);
        var isOverdue = RequestParsing.ParseBool(overdue, "overdue", errors);
        var createdByCaller = RequestParsing.ParseBool(mine, "mine", errors) ?? false;
        var pageSize = RequestParsing.ParseInt(limit, "limit", 1, MaxPageSize, errors) ?? DefaultPageSize;
        ApprovalSort? order = sort switch
        {
            null or "" or "deadline" => ApprovalSort.Deadline,
            "-deadline" => ApprovalSort.DeadlineDescending,
            "createdAt" => ApprovalSort.CreatedAt,
            "-createdAt" => ApprovalSort.CreatedAtDescending,
            _ => null,
        };
        if (order is null)
        {
            errors.Add("sort", "Must be one of deadline, -deadline, createdAt, -createdAt.");
        }

        ApprovalCursor? after = null;
        if (!string.IsNullOrEmpty(cursor) && !ApprovalCursor.TryDecode(cursor, out after))
        {
            errors.Add("cursor", "Not a cursor returned by this API.");
        }
        else if (after is not null && order is not null && after.Sort != order)
        {
            errors.Add("cursor", "The cursor belongs to another sort order; start again without it.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        var (items, next) = await queries.ListAsync(
            new ApprovalFilter(statuses, rule, isOverdue, order!.Value, pageSize, after, createdByCaller), Caller.From(context), cancellationToken);
        return TypedResults.Ok(new ApprovalPage([.. items.Select(ApprovalResponse.From)], next?.Encode()));
    }

    public static async Task<Results<Ok<ApprovalResponse>, ProblemHttpResult>> PatchApproval(
        string id, JsonElement patch, ApprovalWorkflow workflow, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var headerErrors = new FieldErrors();
        var expectedVersions = RequestParsing.ParseIfMatch(context.Request, headerErrors);
        if (headerErrors.ToError() is { } badHeader)
        {
            return badHeader.ToProblem();
        }

        var edit = ApprovalPatch.Parse(patch);
        if (edit.Error is { } invalid)
        {
            return invalid.ToProblem();
        }

        var result = await workflow.UpdateAsync(approvalId, new ApprovalChange(edit.Value!, ExpectedVersions: expectedVersions), Caller.From(context), cancellationToken);
        return Respond(result, context) is { } ok ? TypedResults.Ok(ok) : result.Error!.ToProblem();
    }

    public static async Task<Results<Accepted<ApprovalResponse>, ProblemHttpResult>> DecideApproval(
        string id, DecisionRequest request, ApprovalWorkflow workflow, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var errors = new FieldErrors();
        var expectedVersions = RequestParsing.ParseIfMatch(context.Request, errors);
        if (!DecisionExtensions.TryParse(request.Decision, out var decision))
        {
            errors.Add("decision", "Must be approve, reject or cancel.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        var change = new ApprovalChange(new ApprovalEdit(Comment: request.Comment), decision, expectedVersions);
        var result = await workflow.UpdateAsync(approvalId, change, Caller.From(context), cancellationToken);
        return Respond(result, context) is { } ok
            ? TypedResults.Accepted($"/api/v1/approvals/{approvalId}", ok)
            : result.Error!.ToProblem();
    }

    /// <summary>A named approver's vote (or a delegate's for them); 200 while the policy is still open, 202 when the vote decided.</summary>
    public static async Task<Results<Ok<ApprovalResponse>, Accepted<ApprovalResponse>, ProblemHttpResult>> VoteOnApproval(
        string id, VoteRequestBody request, ApprovalWorkflow workflow, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var errors = new FieldErrors();
        var expectedVersions = RequestParsing.ParseIfMatch(context.Request, errors);
        var choice = PolicyWireNames.ParseChoice(request.Vote);
        if (choice is null)
        {
            errors.Add("vote", "Must be approve or reject.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        var vote = new VoteRequest(choice!.Value, request.Comment, request.OnBehalfOf, expectedVersions);
        var result = await workflow.VoteAsync(approvalId, vote, Caller.From(context), cancellationToken);
        if (Respond(result, context) is not { } ok)
        {
            return result.Error!.ToProblem();
        }

        return PolicyRules.TakesVotes(result.Value!.Status)
            ? TypedResults.Ok(ok)
            : TypedResults.Accepted($"/api/v1/approvals/{approvalId}", ok);
    }

    public static async Task<Results<Ok<List<HistoryEntryResponse>>, ProblemHttpResult>> GetApprovalHistory(
        string id, ApprovalQueries queries, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var result = await queries.HistoryAsync(approvalId, Caller.From(context), cancellationToken);
        return result.Error is { } error
            ? error.ToProblem()
            : TypedResults.Ok(result.Value!.Select(HistoryEntryResponse.From).ToList());
    }

    public static Ok<StateMachineResponse> GetStateMachine() => TypedResults.Ok(StateMachineResponse.Current);

    /// <summary>The response body of a successful change, with its ETag set; null when the change failed.</summary>
    private static ApprovalResponse? Respond(Result<ApprovalRecord> result, HttpContext context)
    {
        if (!result.IsSuccess)
        {
            return null;
        }

        context.Response.Headers.ETag = RequestParsing.ETagFor(result.Value!.Version);
        return ApprovalResponse.From(result.Value);
    }

    private static List<ApprovalStatus>? ParseStatuses(string? value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var statuses = new List<ApprovalStatus>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ApprovalStatusNames.TryParse(part, out var parsed))
            {
                statuses.Add(parsed);
            }
            else if (int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
                && ApprovalStatusNames.IsDefined(number))
            {
                // The original routes' numbers; API v1 speaks names only, and says which one was meant.
                errors.Add("status", $"{number} is a status number of the original API; API v1 names statuses: {((ApprovalStatus)number).ToWireName()}.");
                return null;
            }
            else
            {
                errors.Add("status", $"Unknown status; use names such as PENDING or APPROVED, comma-separated.");
                return null;
            }
        }

        return statuses;
    }
}
