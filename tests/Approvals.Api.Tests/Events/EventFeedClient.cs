using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Approvals.Api.Tests.Events;

/// <summary>A page of <c>GET /api/v1/events</c> as the tests read it.</summary>
public sealed record FeedPage(List<JsonObject> Events, string? NextCursor)
{
    public List<string> Ids => [.. Events.Select(e => (string)e["id"]!)];
}

/// <summary>Reads the event feed over HTTP, as a consumer does.</summary>
public static class EventFeedClient
{
    public static async Task<FeedPage> ReadAsync(HttpClient client, string? after = null, int? limit = null, int? wait = null, string? filters = null)
    {
        var response = await client.GetAsync(Url(after, limit, wait, filters));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {Url(after, limit, wait, filters)}: {(int)response.StatusCode} {body}");
        var page = JsonNode.Parse(body)!.AsObject();
        return new FeedPage([.. page["events"]!.AsArray().Select(e => e!.AsObject())], (string?)page["nextCursor"]);
    }

    /// <summary>Every event after <paramref name="after"/> that is served now, page by page; and the cursor after the last.</summary>
    public static async Task<FeedPage> ReadToEndAsync(HttpClient client, string? after = null, int limit = 1000, string? filters = null)
    {
        var events = new List<JsonObject>();
        while (true)
        {
            var page = await ReadAsync(client, after, limit, filters: filters);
            events.AddRange(page.Events);
            after = page.NextCursor;
            if (page.Events.Count < limit)
            {
                return new FeedPage(events, after);
            }
        }
    }

    /// <summary>
    /// Reads as a consumer does, with long polls, until <paramref name="done"/> holds for what arrived. An event is
    /// served once every transaction that began before it has ended (on the shared test cluster, other classes' too),
    /// so a test that has just written waits for its events like any consumer rather than expecting them at once.
    /// </summary>
    public static async Task<FeedPage> ReadUntilAsync(
        HttpClient client, Func<List<JsonObject>, bool> done, string? after = null, string? filters = null, int limit = 1000)
    {
        var events = new List<JsonObject>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done(events))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The feed served only {events.Count} event(s) in 30 s.");
            var page = await ReadAsync(client, after, limit, wait: 5, filters);
            events.AddRange(page.Events);
            after = page.NextCursor;
        }

        return new FeedPage(events, after);
    }

    /// <summary>Reads until at least <paramref name="count"/> events arrived (<see cref="ReadUntilAsync"/>).</summary>
    public static Task<FeedPage> ReadAtLeastAsync(HttpClient client, int count, string? after = null, string? filters = null) =>
        ReadUntilAsync(client, events => events.Count >= count, after, filters);

    public static string Url(string? after = null, int? limit = null, int? wait = null, string? filters = null)
    {
        var query = new List<string>();
        if (after is not null)
        {
            query.Add($"after={Uri.EscapeDataString(after)}");
        }

        if (limit is { } l)
        {
            query.Add(FormattableString.Invariant($"limit={l}"));
        }

        if (wait is { } w)
        {
            query.Add(FormattableString.Invariant($"wait={w}"));
        }

        if (filters is not null)
        {
            query.Add(filters);
        }

        return query.Count == 0 ? "/api/v1/events" : $"/api/v1/events?{string.Join('&', query)}";
    }
}
