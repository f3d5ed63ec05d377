using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Api.Messaging;
using Approvals.Api.Tests.Delivery;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RabbitMQ.Client;

namespace Approvals.Api.Tests.Messaging;

/// <summary>
/// Delivery on the RabbitMQ transport, end to end: a decision's job travels as a message from the relay to a worker,
/// which sends it, records it and resolves the approval; every event reaches <c>approvals.events</c> in the
/// CloudEvents AMQP binding; retries wait on the broker; stale and duplicate messages send nothing.
/// </summary>
public sealed partial class BrokerDeliveryTests(BrokerFixture fixture) : DeliveryTestBase<BrokerFixture>(fixture)
{
    [Fact]
    public async Task A_decision_is_delivered_through_the_broker_and_every_event_is_published_with_its_cloudevents_attributes()
    {
        await using var tap = await Factory.TapEventsAsync();
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");

        var approval = await WaitForStatusAsync(id, "APPROVED");
        var job = Assert.Single(approval["deliveries"]!.AsArray());
        Assert.Equal(1, (int)job!["attempts"]!);
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);

        var history = await GetHistoryAsync(id);
        await WaitUntilAsync(() => Task.FromResult(tap.Events.Count(e => e.ApprovalId == id) == history.Count),
            describe: () => $"{history.Count} events of {id} on the exchange; {tap.Events.Count} arrived");
        var published = tap.Events.Where(e => e.ApprovalId == id).ToList();
        Assert.Equal(
            history.Select(h => ((string)h!["type"]!, (int)h["sequence"]!, (string)h["eventId"]!)),
            published.Select(e => (e.RoutingKey, e.Sequence, e.MessageId!)));
        Assert.Equal(
            ["approval.created", "approval.decided", "approval.delivery_succeeded", "approval.resolved"],
            published.Select(e => e.RoutingKey));

        var decided = published[1];
        Assert.True(decided.Persistent);
        Assert.Equal("application/json", decided.ContentType);
        Assert.Equal("1.0", decided.Headers["cloudEvents_specversion"]);
        Assert.Equal(decided.MessageId, decided.Headers["cloudEvents_id"]);
        Assert.Equal($"/api/v1/approvals/{id}", decided.Headers["cloudEvents_source"]);
        Assert.Equal("approval.decided", decided.Headers["cloudEvents_type"]);
        Assert.Equal("0000000002", decided.Headers["cloudEvents_sequence"]);
        Assert.Equal("client:test", decided.Headers["cloudEvents_actor"]);
        Assert.Matches(TraceParent(), decided.Headers["traceparent"]);
        Assert.Equal("approve", (string)JsonNode.Parse(decided.Body)!["decision"]!);

        // The body is the feed's data for the same event.
        var feed = (await Client.GetFromJsonAsync<JsonObject>($"/api/v1/events?approvalId={id}"))!;
        var feedDecided = feed["events"]!.AsArray().Single(e => (string)e!["id"]! == decided.MessageId);
        Assert.True(JsonNode.DeepEquals(feedDecided!["data"], JsonNode.Parse(decided.Body)));
    }

    [Fact]
    public async Task A_transient_failure_is_retried_on_the_rules_schedule_through_a_delay_queue()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [0, 1, 1]);
        await UserService.SetFaultsAsync(failNextRequests: 2, failStatus: 503);
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");

        var approval = await WaitForStatusAsync(id, "APPROVED", runSchedule: true);
        var job = Assert.Single(approval["deliveries"]!.AsArray());
        Assert.Equal(3, (int)job!["attempts"]!);
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
        await using var db = Factory.CreateDbContext();
        var attempts = await db.DeliveryAttempts.Where(a => a.JobId == Guid.Parse((string)job["jobId"]!)).OrderBy(a => a.Number).ToListAsync();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Number));
        Assert.Equal([503, 503, 200], attempts.Select(a => a.HttpStatus ?? 0));
    }

    [Fact]
    public async Task Retries_that_run_out_fail_the_job_and_put_the_approval_in_error()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [0, 1]);
        await UserService.SetFaultsAsync(failNextRequests: 10, failStatus: 503);
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");

        var approval = await WaitForStatusAsync(id, "ERROR", runSchedule: true);
        Assert.Equal(ErrorCodes.DeliveryRetriesExhausted, (string)approval["lastError"]!["code"]!);
        Assert.Equal(2, (int)approval["deliveries"]![0]!["attempts"]!);
    }

    [Fact]
    public async Task A_message_for_a_job_already_recorded_or_superseded_sends_nothing()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");
        var approval = await WaitForStatusAsync(id, "APPROVED");
        var jobId = Guid.Parse((string)approval["deliveries"]![0]!["jobId"]!);
        var seen = await UserService.RequestsSeenAsync();

        // The same attempt again (a duplicate), and a job of a decision that is not the approval's current one.
        var stale = await CreateApprovalForAsync(rule);
        var staleJob = await Factory.SeedFailedDeliveryAsync(stale);
        await using (var db = Factory.CreateDbContext())
        {
            await db.DeliveryJobs.Where(j => j.Id == staleJob)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, DeliveryState.Pending).SetProperty(j => j.Attempts, 0));
            await db.Approvals.Where(a => a.Id == stale).ExecuteUpdateAsync(s => s.SetProperty(a => a.CurrentDecisionId, Guid.CreateVersion7()));
        }

        await PublishAsync(new DeliveryMessage(jobId, id, 1, Factory.Clock.GetUtcNow()));
        await PublishAsync(new DeliveryMessage(staleJob, stale, 1, Factory.Clock.GetUtcNow()));

        await WaitUntilAsync(async () => await Factory.Broker.QueueMessageCountAsync(Factory.VirtualHost, RabbitMqTopology.DeliveriesQueue) == 0);
        await Task.Delay(500);
        Assert.Equal(seen, await UserService.RequestsSeenAsync());
        await using var check = Factory.CreateDbContext();
        Assert.Equal(0, (await check.DeliveryJobs.SingleAsync(j => j.Id == staleJob)).Attempts);
        Assert.Equal(1, (await check.DeliveryJobs.SingleAsync(j => j.Id == jobId)).Attempts);
    }

    [Fact]
    public async Task A_delivery_does_not_wait_for_an_older_open_transaction_and_its_events_follow_in_order_once_it_ends()
    {
        await using var tap = await Factory.TapEventsAsync();
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await WaitUntilAsync(() => Task.FromResult(tap.Events.Any(e => e.ApprovalId == id)));

        // An older transaction that holds a transaction id keeps every later event out of the feed's order.
        await using var blocker = new NpgsqlConnection(Factory.ConnectionString);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var takeId = new NpgsqlCommand("SELECT pg_current_xact_id()", blocker, transaction))
        {
            await takeId.ExecuteScalarAsync();
        }

        var seen = await UserService.RequestsSeenAsync();
        await DecideAsync(id, "approve");
        var approval = await WaitForStatusAsync(id, "APPROVED");
        Assert.Equal(1, (int)approval["deliveries"]![0]!["attempts"]!);
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
        Assert.Equal(["approval.created"], tap.Events.Where(e => e.ApprovalId == id).Select(e => e.RoutingKey));

        await transaction.RollbackAsync();
        string[] expected = ["approval.created", "approval.decided", "approval.delivery_succeeded", "approval.resolved"];
        await WaitUntilAsync(() => Task.FromResult(tap.Events.Count(e => e.ApprovalId == id) == expected.Length),
            describe: () => string.Join(", ", tap.Events.Where(e => e.ApprovalId == id).Select(e => e.RoutingKey)));
        Assert.Equal(expected, tap.Events.Where(e => e.ApprovalId == id).Select(e => e.RoutingKey));

        // Relaying the decision in order sent its job no second time.
        await WaitUntilAsync(async () => await Factory.Broker.QueueMessageCountAsync(Factory.VirtualHost, RabbitMqTopology.DeliveriesQueue) == 0);
        await Task.Delay(300);
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
        Assert.Equal(1, (int)(await GetApprovalAsync(id))["deliveries"]![0]!["attempts"]!);
        Assert.Equal(seen + 1, await UserService.RequestsSeenAsync());
    }

    private async Task PublishAsync(DeliveryMessage message)
    {
        var factory = new ConnectionFactory { Uri = new Uri(Factory.BrokerUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var outgoing = BrokerMessages.ForDelivery(message);
        await channel.BasicPublishAsync(outgoing.Exchange, outgoing.RoutingKey, outgoing.Mandatory, outgoing.Properties, outgoing.Body);
    }

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")]
    private static partial Regex TraceParent();
}
