using System.Net;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Delivery;

namespace Approvals.Api.Tests.Events;

/// <summary>An approval's history and its events in the feed are the same events, from creation to delivery.</summary>
public class EventFeedHistoryTests(DeliveryFixture fixture) : DeliveryTestBase(fixture)
{
    [Fact]
    public async Task The_history_of_an_approval_and_its_events_in_the_feed_are_the_same_events()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await AssertStatusAsync(await PatchAsync(id.ToString(), """{"title":"Renamed"}"""), HttpStatusCode.OK);
        await AssertStatusAsync(await PatchAsync(id.ToString(), """{"comment":"second"}"""), HttpStatusCode.OK);

        // A consumer waiting for the resolution is woken by the dispatcher's commit.
        var resolution = EventFeedClient.ReadAsync(Client, wait: 20, filters: $"approvalId={id}&type=approval.resolved");
        await DecideAsync(id, "approve");
        var resolved = (await resolution).Events.Single();
        await WaitForStatusAsync(id, "APPROVED");

        Assert.Equal("system:dispatcher", (string?)resolved["actor"]);
        Assert.False(resolved.ContainsKey("correlationid"), "The dispatcher's events have no correlation id, so no correlationid attribute.");
        var history = (await GetHistoryAsync(id)).Select(h => h!.AsObject()).ToList();
        var events = (await EventFeedClient.ReadAtLeastAsync(Client, 6, filters: $"approvalId={id}")).Events;
        Assert.Equal(
            ["approval.created", "approval.edited", "approval.comment_edited", "approval.decided", "approval.delivery_succeeded", "approval.resolved"],
            events.Select(e => (string)e["type"]!));
        Assert.Equal((string?)resolved["id"], (string?)events[^1]["id"]);
        Assert.Equal(history.Select(Describe), events.Select(Describe));
    }

    /// <summary>What a history entry and an event both say, in the same words.</summary>
    private static string Describe(JsonObject entry)
    {
        var isEvent = entry.ContainsKey("specversion");
        var data = isEvent ? entry["data"]!.AsObject() : null;
        var changes = isEvent ? data!["changes"] : entry["changes"];
        return new JsonObject
        {
            ["id"] = (string?)entry[isEvent ? "id" : "eventId"],
            ["sequence"] = isEvent ? int.Parse((string)entry["sequence"]!, System.Globalization.CultureInfo.InvariantCulture) : (int?)entry["sequence"],
            ["type"] = (string?)entry["type"],
            ["time"] = (string?)entry[isEvent ? "time" : "at"],
            ["actor"] = (string?)entry["actor"],
            ["correlationId"] = (string?)entry[isEvent ? "correlationid" : "correlationId"],
            ["statusBefore"] = (string?)(isEvent ? data!["statusBefore"] : entry["fromStatus"]),
            ["statusAfter"] = (string?)(isEvent ? data!["statusAfter"] : entry["toStatus"]),
            ["changes"] = changes is JsonObject { Count: > 0 } ? changes.DeepClone() : null,
        }.ToJsonString();
    }
}
