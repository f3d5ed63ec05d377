using Approvals.Api.Auth;
using Approvals.Api.Contracts;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Approvals.Api.Http.Endpoints;

/// <summary>API v1: <c>/api/v1/approvals/{id}/deliveries</c>, the delivery jobs of an approval and their attempts.</summary>
public static class DeliveryEndpoints
{
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/approvals/{id}/deliveries").WithTags("Deliveries");
        group.MapGet("/", ListDeliveries).RequireAuthorization(AuthPolicies.ReadApprovals).WithName(nameof(ListDeliveries));
        group.MapPost("/{jobId}/retry", RetryDelivery).InUnitOfWork().RequireAuthorization(AuthPolicies.Admin).WithName(nameof(RetryDelivery));
        return app;
    }

    /// <summary>Every job of the approval, oldest first, including those of superseded decisions, with all their attempts.</summary>
    public static async Task<Results<Ok<List<DeliveryJobResponse>>, ProblemHttpResult>> ListDeliveries(
        string id, ApprovalQueries queries, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var read = await queries.WithDeliveriesAsync(approvalId, Caller.From(context), cancellationToken);
        if (read.Error is { } error)
        {
            return error.ToProblem();
        }

        var approval = read.Value!;
        var jobs = ApprovalQueries.JobsInOrder(approval).Select(j => DeliveryJobResponse.From(j, approval.CurrentDecisionId)).ToList();
        return TypedResults.Ok(jobs);
    }

    /// <summary>Sends a failed job of an approval in ERROR again now; 202 with the approval back in ACKNOWLEDGED_*.</summary>
    public static async Task<Results<Accepted<ApprovalResponse>, ProblemHttpResult>> RetryDelivery(
        string id, string jobId, Redelivery redelivery, HttpContext context, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        if (!RequestParsing.TryParseId(jobId, out var deliveryJobId))
        {
            return RequestParsing.InvalidId("jobId").ToProblem();
        }

        var approval = await redelivery.RedeliverAsync(approvalId, deliveryJobId, Caller.From(context), cancellationToken);
        if (approval.Error is { } error)
        {
            return error.ToProblem();
        }

        context.Response.Headers.ETag = RequestParsing.ETagFor(approval.Value!.Version);
        return TypedResults.Accepted($"/api/v1/approvals/{approvalId}", ApprovalResponse.From(approval.Value));
    }
}
