using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

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
    public void A_retention_under_a_day_stops_the_service_at_start(string retention)
    {
        using var host = new RetentionHost(retention);

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services);

        Assert.Contains("FeedRetention", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>The host with a feed retention; no database is needed because start-up fails before one is used.</summary>
    private sealed class RetentionHost(string retention) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Approvals", "Host=127.0.0.1;Port=9;Database=none");
            builder.UseSetting("Database:MigrateOnStartup", "false");
            builder.UseSetting("Delivery:Enabled", "false");
            builder.UseSetting("Events:FeedRetention", retention);
        }
    }
}
