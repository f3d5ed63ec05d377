using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Features;

/// <summary>A read of the feed as the endpoint parsed it.</summary>
public sealed record EventFeedRequest(EventCursor? After, IReadOnlyList<string>? Types, Guid? ApprovalId, int Limit, TimeSpan Wait);

/// <summary>
/// Serves the event feed: checks the cursor against the retention window, applies what the caller may read
/// (<see cref="ApprovalAccessRules.ReadFilter"/>), and long-polls when asked to: an empty page waits for
/// <see cref="ApprovalEventSignal"/> (or, while newer events are held back by an open transaction, looks again every
/// <see cref="RecheckInterval"/>) until events arrive or the wait is over.
/// </summary>
public sealed class EventFeed(
    ApprovalEventStore reader, ApprovalEventSignal signal, IOptions<EventFeedOptions> options, TimeProvider clock, IHostApplicationLifetime lifetime)
{
    /// <summary>
    /// How soon a waiter looks again while events are held back, and the least time between two reads of one waiter
    /// (so a waiter whose filter matches little costs at most this many reads under a stream of commits).
    /// </summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMilliseconds(25);

    // Real time, not the injected clock: a long poll is a promise about network latency, not about business time.
    private static readonly TimeProvider Wall = TimeProvider.System;

    public async Task<Result<EventPage>> ReadAsync(EventFeedRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var (mayRead, createdBy) = ApprovalAccessRules.ReadFilter(caller);
        if (!mayRead)
        {
            return new DomainError(ErrorCodes.Forbidden, "The caller may not read approvals.");
        }

        var windowStart = clock.GetUtcNow() - options.Value.FeedRetention;
        if (request.After is { } after)
        {
            var occurredAt = await reader.FindAsync(after, cancellationToken);
            if (occurredAt is null)
            {
                return new DomainError(ErrorCodes.EventsInvalidCursor,
                    "The cursor names no event of this feed; send a nextCursor this API returned, or start without one.");
            }

            if (occurredAt < windowStart)
            {
                return new DomainError(ErrorCodes.EventsCursorExpired,
                    "The cursor's event is older than the feed serves; start again without a cursor (at the oldest event served).");
            }
        }

        var query = new EventFeedQuery(request.After, request.After is null ? windowStart : null, request.Types, request.ApprovalId, createdBy, request.Limit);
        var read = await WaitForEventsAsync(query, request.Wait, cancellationToken);
        var next = read.Last ?? request.After;
        return new EventPage(read.Events, next?.Encode());
    }

    private async Task<EventFeedRead> WaitForEventsAsync(EventFeedQuery query, TimeSpan wait, CancellationToken cancellationToken)
    {
        var wake = signal.NextWake;
        var read = await reader.ReadAsync(query, cancellationToken);
        if (read.Events.Count > 0 || wait <= TimeSpan.Zero)
        {
            return read;
        }

        // The wait ends at its timeout, when the client goes away, or when the service stops (answering what it has).
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var over = Task.Delay(wait, Wall, waiting.Token);
        try
        {
            while (true)
            {
                var lastRead = Wall.GetTimestamp();
                var recheck = read.HeldBack ? Task.Delay(RecheckInterval, Wall, waiting.Token) : null;
                await (recheck is null ? Task.WhenAny(wake, over) : Task.WhenAny(wake, over, recheck));
                cancellationToken.ThrowIfCancellationRequested();
                if (over.IsCompleted)
                {
                    return read;
                }

                var sinceRead = Wall.GetElapsedTime(lastRead);
                if (sinceRead < RecheckInterval)
                {
                    await Task.WhenAny(Task.Delay(RecheckInterval - sinceRead, Wall, waiting.Token), over);
                }

                wake = signal.NextWake;
                read = await reader.ReadAsync(query, cancellationToken);
                if (read.Events.Count > 0)
                {
                    return read;
                }
            }
        }
        finally
        {
            // Frees the timers of a wait that ended early.
            await waiting.CancelAsync();
        }
    }
}
