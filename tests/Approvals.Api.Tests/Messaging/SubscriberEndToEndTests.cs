using System.Text.Json.Nodes;
using Approvals.Api.Tests.Delivery;
using UserServiceServer = Approvals.Testing.UserServiceServer;

namespace Approvals.Api.Tests.Messaging;

/// <summary>
/// A subscriber of <c>approvals.events</c> end to end: UserService's sample mode, with a queue of its own, receives
/// every event of 1,000 decisions (created, decided, delivered, resolved) exactly once after deduplication by id,
/// and in each approval's order once sorted by sequence; a raw queue bound beside it shows what the broker carried.
/// </summary>
public sealed class SubscriberEndToEndTests(BrokerFixture fixture) : DeliveryTestBase<BrokerFixture>(fixture)
{
    private const int Decisions = 1_000;

    [Fact]
    public async Task A_subscriber_receives_every_event_of_a_thousand_decisions_once_and_in_each_approvals_order()
    {
        await using var subscriber = await UserServiceServer.StartAsync(Factory.Clock, settings: UserServiceServer.ApprovalEventsSettings(Factory.BrokerUri));
        await subscriber.Subscriber.Subscribed.WaitAsync(TimeSpan.FromSeconds(30));
        await using var tap = await Factory.TapEventsAsync();
        var rule = await Factory.AddUserServiceRuleAsync();

        var ids = new List<Guid>();
        foreach (var chunk in Enumerable.Range(0, Decisions).Chunk(16))
        {
            ids.AddRange(await Task.WhenAll(chunk.Select(_ => CreateApprovalForAsync(rule))));
        }

        foreach (var chunk in ids.Chunk(16))
        {
            await Task.WhenAll(chunk.Select((id, i) => DecideAsync(id, i % 2 == 0 ? "approve" : "reject")));
        }

        foreach (var id in ids)
        {
            await WaitUntilAsync(async () => (string)(await GetApprovalAsync(id))["status"]! is "APPROVED" or "REJECTED",
                describe: () => $"approval {id} to be final");
        }

        const int expected = Decisions * 4; // created, decided, delivery_succeeded, resolved
        JsonArray received = [];
        await WaitUntilAsync(async () => (received = await subscriber.ReceivedEventsAsync()).Count >= expected,
            describe: () => $"{expected} events at the subscriber; {received.Count} so far");
        await WaitUntilAsync(() => Task.FromResult(tap.Events.Count >= expected), describe: () => $"{expected} events in the raw queue; {tap.Events.Count} so far");

        // Exactly once after deduplication by id (the subscriber stores by event id and counts repeats).
        Assert.Equal(expected, received.Count);
        Assert.Equal(expected, tap.Events.Select(e => e.MessageId).Distinct().Count());
        var byApproval = received.GroupBy(e => Guid.Parse((string)e!["approvalId"]!)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(ids.ToHashSet(), byApproval.Keys.ToHashSet());
        foreach (var id in ids.Take(50))
        {
            var history = await GetHistoryAsync(id);
            Assert.Equal(history.Select(h => (string)h!["eventId"]!), byApproval[id].Select(e => (string)e!["id"]!));
        }

        foreach (var (id, events) in byApproval)
        {
            Assert.Equal([1, 2, 3, 4], events.Select(e => (int)e!["sequence"]!));
            Assert.Equal(["approval.created", "approval.decided", "approval.delivery_succeeded", "approval.resolved"], events.Select(e => (string)e!["type"]!));
        }

        // What the broker carried: each approval's events arrived in their order, even before sorting.
        foreach (var arrived in tap.Events.GroupBy(e => e.ApprovalId))
        {
            var sequences = arrived.DistinctBy(e => e.MessageId).Select(e => e.Sequence).ToList();
            Assert.Equal(sequences.Order(), sequences);
        }
    }
}
