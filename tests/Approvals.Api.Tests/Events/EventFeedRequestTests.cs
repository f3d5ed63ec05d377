using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Api.Features;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests.Events;

/// <summary>What one read of the feed answers: the CloudEvents shape, pages and filters, and bad parameters and cursors.</summary>
public partial class EventFeedRequestTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Each_event_is_a_CloudEvent_about_its_approval()
    {
        var rule = await ServiceRuleAsync();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/approvals")
        {
            Content = JsonContent.Create(new { title = "Shaped", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }),
        };
        create.Headers.Add("X-Correlation-Id", "feed-shape-1");
        var created = await Client.SendAsync(create);
        await AssertStatusAsync(created, HttpStatusCode.Created);
        var approval = await ReadObjectAsync(created);
        var id = (string)approval["id"]!;

        var cloudEvent = (await EventFeedClient.ReadAtLeastAsync(Client, 1, filters: $"approvalId={id}")).Events.Single();

        Assert.All(cloudEvent.Select(a => a.Key), name => Assert.Matches(AttributeName(), name));
        Assert.Equal(
            ["actor", "correlationid", "data", "datacontenttype", "id", "sequence", "source", "specversion", "subject", "time", "type"],
            cloudEvent.Select(a => a.Key).Order(StringComparer.Ordinal));
        Assert.Equal("1.0", (string?)cloudEvent["specversion"]);
        Assert.Equal(7, Guid.Parse((string)cloudEvent["id"]!).Version);
        Assert.Equal($"/api/v1/approvals/{id}", (string?)cloudEvent["source"]);
        Assert.Equal("approval.created", (string?)cloudEvent["type"]);
        Assert.Equal(id, (string?)cloudEvent["subject"]);
        Assert.Matches(Rfc3339(), (string)cloudEvent["time"]!);
        Assert.Equal(DateTimeOffset.Parse((string)approval["createdAt"]!, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string)cloudEvent["time"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("application/json", (string?)cloudEvent["datacontenttype"]);
        Assert.Equal("0000000001", (string?)cloudEvent["sequence"]);
        Assert.Equal("client:test", (string?)cloudEvent["actor"]);
        Assert.Equal("feed-shape-1", (string?)cloudEvent["correlationid"]);
        var data = cloudEvent["data"]!.AsObject();
        Assert.Null(data["statusBefore"]);
        Assert.Equal("PENDING", (string?)data["statusAfter"]);
        Assert.Equal("Shaped", (string?)data["changes"]!["title"]!["new"]);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_and_filters_select_by_type_and_approval()
    {
        // Starts after a marker event: once it is served, every event before it is, and nothing can appear behind it.
        var rule = await ServiceRuleAsync();
        var marker = await CreateApprovalIdAsync("Marker", rule);
        var start = await EventFeedClient.ReadUntilAsync(Client, events => events.Any(e => (string?)e["subject"] == marker));
        var (a, b, c) = (await CreateApprovalIdAsync("A", rule), await CreateApprovalIdAsync("B", rule), await CreateApprovalIdAsync("C", rule));
        await AssertStatusAsync(await PatchAsync(a, """{"title":"A renamed"}"""), HttpStatusCode.OK);
        await AssertStatusAsync(await PatchAsync(b, """{"comment":"B commented"}"""), HttpStatusCode.OK);

        var all = await EventFeedClient.ReadAtLeastAsync(Client, 5, start.NextCursor);
        Assert.Equal(
            [(a, "approval.created"), (b, "approval.created"), (c, "approval.created"), (a, "approval.edited"), (b, "approval.comment_edited")],
            all.Events.Select(e => ((string)e["subject"]!, (string)e["type"]!)));

        var paged = new List<string>();
        var cursor = start.NextCursor;
        foreach (var size in new[] { 2, 2, 1, 0 })
        {
            var page = await EventFeedClient.ReadAsync(Client, cursor, limit: 2);
            Assert.Equal(size, page.Events.Count);
            if (size == 0)
            {
                Assert.Equal(cursor, page.NextCursor);
            }
            else
            {
                Assert.NotNull(page.NextCursor);
                Assert.NotEqual(cursor, page.NextCursor);
            }

            paged.AddRange(page.Ids);
            cursor = page.NextCursor;
        }

        Assert.Equal(all.Ids, paged);
        Assert.Equal(all.NextCursor, cursor);

        var edits = await EventFeedClient.ReadToEndAsync(Client, start.NextCursor, filters: "type=approval.edited,%20approval.comment_edited");
        Assert.Equal(all.Ids[3..], edits.Ids);
        var ofA = await EventFeedClient.ReadToEndAsync(Client, start.NextCursor, filters: $"approvalId={a}");
        Assert.Equal([all.Ids[0], all.Ids[3]], ofA.Ids);
        var createdA = await EventFeedClient.ReadToEndAsync(Client, filters: $"approvalId={a}&type=approval.created");
        Assert.Equal([all.Ids[0]], createdA.Ids);

        // A cursor is a position in the whole feed, whatever filter produced it.
        Assert.Equal([all.Ids[4]], (await EventFeedClient.ReadToEndAsync(Client, ofA.NextCursor)).Ids);
        Assert.Equal([all.Ids[4]], (await EventFeedClient.ReadToEndAsync(Client, ofA.NextCursor, filters: "type=approval.comment_edited")).Ids);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("wait=-1", "wait")]
    [InlineData("wait=31", "wait")]
    [InlineData("wait=1.5", "wait")]
    [InlineData("type=approval.nope", "type")]
    [InlineData("type=approval.created,APPROVAL.DECIDED", "type")]
    [InlineData("approvalId=not-a-uuid", "approvalId")]
    [InlineData("limit=0&wait=99&type=x&approvalId=y&after=!!!", "limit", "wait", "type", "approvalId")]
    public async Task A_bad_parameter_gets_400_naming_it(string query, params string[] fields)
    {
        await AssertFieldErrorsAsync(await Client.GetAsync($"/api/v1/events?{query}"), fields);
    }

    [Fact]
    public async Task A_cursor_that_does_not_decode_or_names_no_stored_event_gets_400_invalid_cursor()
    {
        var target = await CreateApprovalIdAsync("Cursor target");
        var real = (await EventFeedClient.ReadAtLeastAsync(Client, 1, filters: $"approvalId={target}")).NextCursor!;
        Assert.True(EventCursor.TryDecode(real, out var decoded));

        foreach (var cursor in new[]
        {
            "!!!", "abc", System.Buffers.Text.Base64Url.EncodeToString("hello"u8), new string('A', 200), real[..^2], real + "AA",
            new EventCursor(decoded.TransactionId + 1, decoded.Position).Encode(),
            new EventCursor(decoded.TransactionId, decoded.Position + 1000).Encode(),
            new EventCursor(1, long.MaxValue).Encode(),
        })
        {
            var response = await Client.GetAsync(EventFeedClient.Url(cursor));
            await AssertProblemAsync(response, 400, ErrorCodes.EventsInvalidCursor);
        }

        Assert.Empty((await EventFeedClient.ReadAsync(Client, real)).Events);
    }

    [GeneratedRegex("^[a-z0-9]+$")]
    private static partial Regex AttributeName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
