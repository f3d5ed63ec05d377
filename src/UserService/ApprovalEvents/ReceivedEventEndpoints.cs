using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using UserService.Data;

namespace UserService.ApprovalEvents;

/// <summary><c>GET /events?approvalId=</c>: the approval events received from RabbitMQ (mapped only in that mode; API key required).</summary>
public static class ReceivedEventEndpoints
{
    public static IEndpointRouteBuilder MapReceivedEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/events", ListReceivedEvents);
        return app;
    }

    /// <summary>By approval, then by the approval's sequence: the order the events happened in, whatever order they arrived in.</summary>
    public static async Task<Results<Ok<ReceivedEventList>, ProblemHttpResult>> ListReceivedEvents(
        string? approvalId, HttpRequest request, ReceivedEventStore store, IOptions<UserServiceOptions> options, CancellationToken cancellationToken)
    {
        if (!ProblemResults.HasApiKey(request, options.Value.ApiKey))
        {
            return ProblemResults.Unauthenticated();
        }

        Guid? approval = null;
        if (approvalId is not null)
        {
            if (!Guid.TryParse(approvalId, out var parsed))
            {
                return ProblemResults.Of(StatusCodes.Status400BadRequest, "request.validation_failed", "approvalId must be a UUID.");
            }

            approval = parsed;
        }

        return TypedResults.Ok(new ReceivedEventList(await store.ListAsync(approval, cancellationToken)));
    }
}
