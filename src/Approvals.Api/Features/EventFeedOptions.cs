using System.ComponentModel.DataAnnotations;

namespace Approvals.Api.Features;

/// <summary>Settings of the public event feed, <c>GET /api/v1/events</c> (section <c>Events</c>; docs/events.md).</summary>
public sealed class EventFeedOptions
{
    public const string Section = "Events";

    /// <summary>
    /// How long the feed serves an event. The events themselves are kept as the audit trail; this is the promise
    /// to consumers (as Stripe's <c>/v1/events</c> promises 30 days): a cursor older than this gets 410, and a read
    /// without a cursor starts at the oldest event inside the window.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "36500.00:00:00")]
    public TimeSpan FeedRetention { get; set; } = TimeSpan.FromDays(30);
}
