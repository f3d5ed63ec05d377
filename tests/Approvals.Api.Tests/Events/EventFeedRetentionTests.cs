using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests.Events;

/// <summary>The service with a feed retention of two days (<c>Events:FeedRetention</c>), so the tests can age events past it.</summary>
public sealed class ShortRetentionApiFactory : ApprovalsApiFactory
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(2);

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Events:FeedRetention", "2.00:00:00")];
}

/// <summary>
/// The feed serves events for <c>Events:FeedRetention</c>: a cursor whose event is older gets 410, and a read
/// without a cursor starts at the oldest event inside the window. The events themselves stay (the audit trail).
/// </summary>
public class EventFeedRetentionTests(ShortRetentionApiFactory factory) : ApiTestBase<ShortRetentionApiFactory>(factory)
{
    [Fact]
    public async Task A_cursor_older_than_the_retention_gets_410_and_a_read_without_one_starts_inside_the_window()
    {
        var rule = await ServiceRuleAsync();
        var old = await CreateApprovalIdAsync("Old", rule);
        var oldCursor = (await EventFeedClient.ReadAtLeastAsync(Client, 1, filters: $"approvalId={old}")).NextCursor;

        // Just inside the window the cursor still reads; just past it, it is gone.
        Factory.Clock.Advance(ShortRetentionApiFactory.Retention - TimeSpan.FromMinutes(1));
        Assert.Empty((await EventFeedClient.ReadAsync(Client, oldCursor)).Events);
        var recent = await CreateApprovalIdAsync("Recent", rule);
        Factory.Clock.Advance(TimeSpan.FromMinutes(2));
        await AssertProblemAsync(await Client.GetAsync(EventFeedClient.Url(oldCursor)), 410, ErrorCodes.EventsCursorExpired);
        await AssertProblemAsync(await Client.GetAsync(EventFeedClient.Url(oldCursor, wait: 5)), 410, ErrorCodes.EventsCursorExpired);

        var fromStart = await EventFeedClient.ReadAtLeastAsync(Client, 1);
        Assert.Equal([recent], fromStart.Events.Select(e => (string)e["subject"]!));
        Assert.Empty((await EventFeedClient.ReadAsync(Client, filters: $"approvalId={old}")).Events);

        // Still stored: the history is served from the same events.
        var history = await Client.GetStringAsync($"/api/v1/approvals/{old}/history");
        Assert.Contains("approval.created", history, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12:00:00")]
    [InlineData("-1.00:00:00")]
    public async Task A_retention_under_a_day_stops_the_service_at_start(string retention)
    {
        var failure = await ServiceStart.ValidationFailureAsync(("Delivery:Enabled", "false"), ("Events:FeedRetention", retention));

        Assert.Contains("FeedRetention", failure.Message, StringComparison.Ordinal);
    }
}
