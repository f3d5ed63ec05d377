using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>
/// <c>GET /approvals/{id}/live</c>: the detail page's live updates, as Server-Sent Events fed by the event feed
/// (<see cref="EventFeed"/>, long-polled for this approval, so the feed's read rule applies). Each new event of the
/// approval is a <c>change</c> event (its type, sequence and status; the SSE id is the feed cursor after it), which
/// the page's script answers by fetching the progress again. <c>?version=</c> is the version the page shows: events up
/// to it are not sent. A browser that reconnects sends the cursor back as <c>Last-Event-ID</c> and continues there.
/// The stream ends (an <c>end</c> event) once the approval is final, and after <see cref="StreamLifetime"/> so the
/// session is checked again on the reconnect; a final approval with nothing new answers 204, which tells the browser
/// to stop. A web page endpoint: the session cookie only, 404 for an approval the person may not read.
/// </summary>
public static class ApprovalLive
{
    public const string Route = "/approvals/{id}/live";

    /// <summary>How long one stream lasts before the browser reconnects.</summary>
    public static readonly TimeSpan StreamLifetime = TimeSpan.FromMinutes(5);

    /// <summary>How long the browser waits before reconnecting after a stream ended.</summary>
    public static readonly TimeSpan ReconnectAfter = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(25);
    private const int PageSize = 100;

    // Real time, as the feed's long poll: how long a connection lasts is not business time.
    private static readonly TimeProvider Wall = TimeProvider.System;

    public static IEndpointRouteBuilder MapApprovalLive(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, StreamAsync)
            .RequireAuthorization(AuthPolicies.Person)
            .WithMetadata(WebPageMetadata.Instance, new NoSessionRenewalMetadata())
            .ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> StreamAsync(
        string id, string? version, HttpContext context, ApprovalStore approvals, EventFeed feed, IHostApplicationLifetime lifetime,
        CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var approvalId))
        {
            return TypedResults.NotFound();
        }

        var caller = Caller.From(context);
        if (await approvals.GetAsync(approvalId, caller, cancellationToken) is not { Value: { } approval })
        {
            return TypedResults.NotFound();
        }

        int shown = approval.Version;
        if (version is not null && !int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out shown))
        {
            return TypedResults.BadRequest();
        }

        // A cursor this feed no longer knows (expired, or not one of ours) starts again from the version shown.
        var resumeAt = EventCursor.TryDecode(context.Request.Headers["Last-Event-ID"].ToString(), out var cursor) ? cursor : (EventCursor?)null;
        var first = await feed.ReadAsync(new EventFeedRequest(resumeAt, null, approvalId, PageSize, TimeSpan.Zero), caller, cancellationToken);
        if (first.Error is not null && resumeAt is not null)
        {
            resumeAt = null;
            first = await feed.ReadAsync(new EventFeedRequest(null, null, approvalId, PageSize, TimeSpan.Zero), caller, cancellationToken);
        }

        if (first.Value is not { } page)
        {
            return TypedResults.NotFound();
        }

        if (approval.Status.IsFinal() && !page.Events.Any(e => SequenceOf(e) > shown))
        {
            return TypedResults.NoContent();
        }

        return TypedResults.ServerSentEvents(StreamEventsAsync(approvalId, page, shown, caller, feed, lifetime, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamEventsAsync(
        Guid approvalId, EventPage page, int shown, Caller caller, EventFeed feed, IHostApplicationLifetime lifetime,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Sent at once, so the browser knows the stream is open and when to reconnect after it ends.
        yield return new SseItem<string>("{}", "ready") { ReconnectionInterval = ReconnectAfter };
        var started = Wall.GetTimestamp();
        while (true)
        {
            var final = false;
            var unseen = page.Events.Where(e => SequenceOf(e) > shown).ToList();
            for (var i = 0; i < unseen.Count; i++)
            {
                var status = StatusOf(unseen[i]);
                final |= status?.IsFinal() == true;
                var change = new JsonObject
                {
                    ["type"] = unseen[i].Type,
                    ["sequence"] = SequenceOf(unseen[i]),
                    ["status"] = status?.ToWireName(),
                    ["final"] = status?.IsFinal() == true,
                };

                // The cursor is the position after the page; it goes with its last event.
                yield return new SseItem<string>(change.ToJsonString(), "change") { EventId = i == unseen.Count - 1 ? page.NextCursor : null };
            }

            if (final)
            {
                yield return new SseItem<string>("{}", "end");
                yield break;
            }

            if (Wall.GetElapsedTime(started) >= StreamLifetime || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                yield break;
            }

            var after = page.NextCursor is { } next && EventCursor.TryDecode(next, out var decoded) ? decoded : (EventCursor?)null;
            var read = await feed.ReadAsync(new EventFeedRequest(after, null, approvalId, PageSize, PollWait), caller, cancellationToken);
            if (read.Value is not { } nextPage)
            {
                yield break;
            }

            page = nextPage;
        }
    }

    private static int SequenceOf(CloudEvent change) => int.Parse(change.Sequence, NumberStyles.None, CultureInfo.InvariantCulture);

    private static ApprovalStatus? StatusOf(CloudEvent change) =>
        change.Data.ValueKind == JsonValueKind.Object && change.Data.TryGetProperty("statusAfter", out var after)
        && ApprovalStatusNames.TryParse(after.GetString(), out var status) ? status : null;
}
