using System.Net;
using System.Text.Json.Nodes;
using Approvals.Api.Messaging;
using Approvals.Api.Tests.Delivery;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Tests.Messaging;

/// <summary>
/// The relay against a broker that goes away: the API keeps taking decisions, nothing is marked published that the
/// broker did not confirm, and once it is back every event goes out in order and every job is delivered with its
/// attempts intact. Also: a relay that dies between the confirms and its checkpoint publishes again with the same
/// message ids, and the downstream still sees each decision once.
/// </summary>
public sealed class BrokerOutageTests(DedicatedBrokerFixture fixture) : DeliveryTestBase<DedicatedBrokerFixture>(fixture)
{
    [Fact]
    public async Task While_the_broker_is_down_decisions_are_accepted_and_after_it_returns_every_event_and_delivery_goes_out_once()
    {
        await using var tap = await Factory.TapEventsAsync();
        var rule = await Factory.AddUserServiceRuleAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await CreateApprovalForAsync(rule));
        }

        await WaitUntilAsync(() => Task.FromResult(tap.Events.Count >= 10), describe: () => "the created events");

        // The relay marks its checkpoint after the broker confirms, which may be after the tap has the events: wait
        // for the mark, or it would move during the outage for events published before it.
        await WaitUntilAsync(async () => (await CheckpointAsync()).Position >= await LastPositionAsync(), describe: () => "the relay's checkpoint");
        var checkpointBefore = await CheckpointAsync();

        await Factory.Broker.StopAsync();
        try
        {
            foreach (var id in ids)
            {
                await DecideAsync(id, "approve");
            }

            // Accepted and waiting: nothing published, so nothing marked; /readyz says why, without taking the API out.
            var ready = await Anonymous.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var report = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
            Assert.Equal("Degraded", (string)report["checks"]!["broker"]!["status"]!);
            await Task.Delay(1500);
            Assert.Equal(checkpointBefore, await CheckpointAsync());
            Assert.All(ids, id => Assert.Equal("ACKNOWLEDGED_APPROVED", (string)GetApprovalAsync(id).Result["status"]!));
        }
        finally
        {
            await Factory.Broker.StartAsync();
        }

        foreach (var id in ids)
        {
            var approval = await WaitForStatusAsync(id, "APPROVED");
            Assert.Equal(1, (int)approval["deliveries"]![0]!["attempts"]!);
            Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
        }

        // Counted by message id: events published again after the outage arrive twice.
        await WaitUntilAsync(() => Task.FromResult(tap.Events.DistinctBy(e => e.MessageId).Count() >= ids.Count * 4),
            describe: () => $"all events; {tap.Events.Count} arrived");
        foreach (var id in ids)
        {
            var ofApproval = tap.Events.Where(e => e.ApprovalId == id).ToList();
            var distinct = ofApproval.DistinctBy(e => e.MessageId).ToList();
            Assert.Equal([1, 2, 3, 4], distinct.Select(e => e.Sequence)); // in order, as published
        }

        Assert.Equal("Healthy", (string)JsonNode.Parse(await (await Anonymous.GetAsync("/readyz")).Content.ReadAsStringAsync())!["checks"]!["broker"]!["status"]!);
    }

    [Fact]
    public async Task A_relay_that_died_between_the_confirms_and_its_checkpoint_publishes_the_same_events_again_and_the_downstream_sees_one_effect()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");
        await WaitForStatusAsync(id, "APPROVED");
        await using var tap = await Factory.TapEventsAsync();
        var eventIds = (await GetHistoryAsync(id)).Select(h => (string)h!["eventId"]!).ToList();
        await WaitUntilAsync(async () => (await CheckpointAsync()).Position >= await LastPositionAsync());

        // The state such a crash leaves: the broker has the events, the checkpoint does not say so. A new relay
        // (here: another process, once this one's relay gives up its lock) starts from the checkpoint.
        await using (var db = new NpgsqlConnection(Factory.ConnectionString))
        {
            await db.OpenAsync();
            await using var reset = new NpgsqlCommand("UPDATE event_relay_checkpoints SET transaction_id = '0'::xid8, position = 0", db);
            await reset.ExecuteNonQueryAsync();
        }

        await using var other = Factory.StartWorker(runsDelivery: false);
        await StopApiRelayAsync();
        await WaitUntilAsync(() => Task.FromResult(eventIds.All(e => tap.Events.Any(t => t.MessageId == e))),
            describe: () => $"the approval's events published again; {tap.Events.Count} arrived");

        // The job message published again with them finds its job done: nothing is sent a second time.
        await Task.Delay(1000);
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
        Assert.Equal("APPROVED", (string)(await GetApprovalAsync(id))["status"]!);
    }

    private async Task StopApiRelayAsync()
    {
        // Ends the API process's relay session, releasing the relay lock to the other process's standby relay.
        await using var db = new NpgsqlConnection(Factory.ConnectionString);
        await db.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ((@key::bigint) & 4294967295)::oid AND granted", db);
        kill.Parameters.AddWithValue("key", Approvals.Api.Persistence.EventRelayStore.LockKey);
        await kill.ExecuteNonQueryAsync();
    }

    private async Task<(ulong TransactionId, long Position)> CheckpointAsync()
    {
        await using var db = new NpgsqlConnection(Factory.ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT transaction_id::text::bigint, position FROM event_relay_checkpoints WHERE name = 'rabbitmq'", db);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ((ulong)reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    private async Task<long> LastPositionAsync()
    {
        await using var db = Factory.CreateDbContext();
        return await db.Events.MaxAsync(e => e.Position);
    }
}
