using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Approvals.Api.Http.Endpoints;

/// <summary>API v1: <c>GET /api/v1/events</c>, the public event feed (docs/events.md).</summary>
public static class EventEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxWaitSeconds = 30;

    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", GetEvents).WithTags("Events").WithName(nameof(GetEvents)).RequireAuthorization(AuthPolicies.ReadApprovals);
        return app;
    }

    /// <summary>
    /// The events after the cursor <c>after</c> (or from the oldest one still served), in feed order, as CloudEvents;
    /// <c>wait</c> seconds of long polling when there are none yet.
    /// </summary>
    public static async Task<Results<Ok<EventPage>, ProblemHttpResult>> GetEvents(
        EventFeed feed,
        HttpContext context,
        CancellationToken cancellationToken,
        [FromQuery] string? after = null,
        [FromQuery] string? limit = null,
        [FromQuery] string? type = null,
        [FromQuery] string? approvalId = null,
        [FromQuery] string? wait = null)
    {
        var errors = new FieldErrors();
        var pageSize = RequestParsing.ParseInt(limit, "limit", 1, MaxLimit, errors) ?? DefaultLimit;
        var waitSeconds = RequestParsing.ParseInt(wait, "wait", 0, MaxWaitSeconds, errors) ?? 0;
        var types = ParseTypes(type, errors);
        Guid? approval = null;
        if (!string.IsNullOrEmpty(approvalId))
        {
            if (RequestParsing.TryParseId(approvalId, out var parsed))
            {
                approval = parsed;
            }
            else
            {
                errors.Add("approvalId", "Must be a UUID.");
            }
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        EventCursor? cursor = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!EventCursor.TryDecode(after, out var decoded))
            {
                return new DomainError(ErrorCodes.EventsInvalidCursor,
                    "Not a cursor of this feed; send a nextCursor this API returned, or start without one.").ToProblem();
            }

            cursor = decoded;
        }

        var request = new EventFeedRequest(cursor, types, approval, pageSize, TimeSpan.FromSeconds(waitSeconds));
        var result = await feed.ReadAsync(request, Caller.From(context), cancellationToken);
        return result.Error is { } error ? error.ToProblem() : TypedResults.Ok(result.Value!);
    }

    /// <summary>Comma-separated wire names (<c>approval.created,approval.decided</c>); null for every type.</summary>
    private static List<string>? ParseTypes(string? value, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var types = new List<string>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ApprovalEventTypes.TryParse(part, out var parsed))
            {
                errors.Add("type", "Unknown event type; use names such as approval.created or approval.decided, comma-separated.");
                return null;
            }

            types.Add(parsed.ToWireName());
        }

        return types.Count == 0 ? null : [.. types.Distinct()];
    }
}
