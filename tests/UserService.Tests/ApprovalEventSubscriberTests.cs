using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Api.Messaging;
using Approvals.Api.Persistence;
using Approvals.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using RabbitMQ.Client;

namespace UserService.Tests;

/// <summary>
/// The approval events mode against a real broker (a fresh virtual host per test) and real PostgreSQL: messages
/// published to <c>approvals.events</c> as the approval service publishes them end up in <c>received_events</c>.
/// </summary>
public sealed class ApprovalEventSubscriberTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private string _amqpUri = null!;
    private UserServiceServer _server = null!;
    private bool _serverStopped;
    private ApprovalEventPublisher _publisher = null!;

    public async Task InitializeAsync()
    {
        _amqpUri = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("usersvc-events");
        _server = await UserServiceServer.StartAsync(_clock, settings: UserServiceServer.ApprovalEventsSettings(_amqpUri));
        await _server.Subscriber.Subscribed.WaitAsync(TimeSpan.FromSeconds(30));
        _publisher = await ApprovalEventPublisher.ConnectAsync(_amqpUri);
    }

    public async Task DisposeAsync()
    {
        await _publisher.DisposeAsync();
        if (!_serverStopped)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_event_is_stored_once_with_its_attributes_and_data()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        string[] lifecycle = ["approval.created", "approval.decided", "approval.delivery_succeeded", "approval.resolved"];
        var published = new[] { first, second }
            .SelectMany(approval => lifecycle.Select((type, i) => PublishedEvent.Of(approval, i + 1, type, correlationId: i == 1 ? "checkout-42" : null)))
            .ToList();

        await _publisher.PublishAsync([.. published]);
        var received = await WaitForEventsAsync(published.Count);

        foreach (var expected in published)
        {
            var actual = Assert.Single(received, e => (Guid)e!["id"]! == expected.Id)!;
            Assert.Equal(expected.ApprovalId, (Guid)actual["approvalId"]!);
            Assert.Equal(expected.Sequence, (int)actual["sequence"]!);
            Assert.Equal(expected.Type, (string?)actual["type"]);
            Assert.Equal(expected.OccurredAt, (DateTimeOffset)actual["occurredAt"]!);
            Assert.Equal(expected.Actor, (string?)actual["actor"]);
            Assert.Equal(_clock.GetUtcNow(), (DateTimeOffset)actual["receivedAt"]!);
            Assert.Equal(1, (int)actual["timesReceived"]!);
        }

        var data = await StoredDataAsync();
        Assert.All(published, expected => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.DataJson), JsonNode.Parse(data[expected.Id]))));
        Assert.Equal(published.Where(e => e.ApprovalId == first).Select(e => e.Id),
            (await _server.ReceivedEventsAsync(first)).Select(e => (Guid)e!["id"]!));
    }

    [Fact]
    public async Task A_message_id_published_again_is_stored_once_and_counted()
    {
        var approvalId = Guid.NewGuid();
        var twice = PublishedEvent.Of(approvalId, 1, "approval.created");
        var once = PublishedEvent.Of(approvalId, 2, "approval.decided");

        await _publisher.PublishAsync(twice, twice, once);
        await WaitUntilAsync(async () => (await _server.ReceivedEventsAsync()).Sum(e => (int)e!["timesReceived"]!) == 3);
        await _publisher.PublishAsync(twice);
        await WaitUntilAsync(async () => (await _server.ReceivedEventsAsync()).Sum(e => (int)e!["timesReceived"]!) == 4);

        var received = await _server.ReceivedEventsAsync();
        Assert.Equal([twice.Id, once.Id], received.Select(e => (Guid)e!["id"]!));
        Assert.Equal([3, 1], received.Select(e => (int)e!["timesReceived"]!));
        Assert.Equal(2, (await StoredDataAsync()).Count);
    }

    [Fact]
    public async Task Events_published_out_of_order_come_back_in_sequence_order()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        PublishedEvent[] published =
        [
            PublishedEvent.Of(first, 4), PublishedEvent.Of(second, 2), PublishedEvent.Of(first, 2),
            PublishedEvent.Of(first, 1), PublishedEvent.Of(second, 1), PublishedEvent.Of(first, 3),
        ];

        await _publisher.PublishAsync(published);
        var received = await WaitForEventsAsync(published.Length);

        Assert.Equal([1, 2, 3, 4], (await _server.ReceivedEventsAsync(first)).Select(e => (int)e!["sequence"]!));
        Assert.Equal([1, 2], (await _server.ReceivedEventsAsync(second)).Select(e => (int)e!["sequence"]!));
        // By approval (in PostgreSQL's uuid order, which is the order of their text) and then by sequence.
        var expected = published.OrderBy(e => e.ApprovalId.ToString(), StringComparer.Ordinal).ThenBy(e => e.Sequence).Select(e => e.Id);
        Assert.Equal(expected, received.Select(e => (Guid)e!["id"]!));
    }

    [Fact]
    public async Task Unreadable_messages_are_rejected_and_do_not_block_the_queue()
    {
        var approvalId = Guid.NewGuid();
        var good = Enumerable.Range(1, 3).Select(sequence => PublishedEvent.Of(approvalId, sequence)).ToArray();
        var template = PublishedEvent.Of(approvalId, 9);

        await _publisher.PublishAsync(good[0]);
        await PublishUnreadableAsync(template, headers => headers.Remove("cloudEvents_id"));
        await PublishUnreadableAsync(template, headers => headers["cloudEvents_id"] = "not-a-uuid");
        await PublishUnreadableAsync(template, headers => headers.Remove("cloudEvents_sequence"));
        await PublishUnreadableAsync(template, body: "not json");
        await _publisher.PublishAsync(good[1]);
        // Valid JSON that jsonb refuses (\u0000): the database turns it down, so it is rejected as well.
        await PublishUnreadableAsync(template, body: """{"note":"\u0000"}""");
        await _publisher.PublishAsync(good[2]);

        var received = await WaitForEventsAsync(good.Length);
        Assert.Equal(good.Select(e => e.Id), received.Select(e => (Guid)e!["id"]!));
        Assert.Equal(good.Length, (await StoredDataAsync()).Count);

        // Nothing was put back: with the service stopped, whatever it had not settled would be ready again.
        await _server.DisposeAsync();
        _serverStopped = true;
        Assert.Equal(0, await (await RabbitMqServer.GetAsync()).QueueMessageCountAsync(RabbitMqServer.VirtualHostOf(_amqpUri), "userservice.approval-events"));
    }

    [Fact]
    public async Task A_message_as_the_approval_service_writes_it_is_read()
    {
        var approvalId = Guid.NewGuid();
        var relayed = new RelayedEvent(new EventCursor(1, 1), Guid.CreateVersion7(), approvalId, 3, "approval.delivery_failed",
            new DateTimeOffset(2026, 12, 6, 10, 15, 2, TimeSpan.Zero).AddTicks(1234560), "system:dispatcher", null,
            """{"statusBefore":"ACKNOWLEDGED_APPROVED","statusAfter":"ACKNOWLEDGED_APPROVED","changes":{},"errorCode":"delivery.rejected"}""", []);

        var message = BrokerMessages.ForEvent(relayed);
        await _publisher.PublishAsync(message.RoutingKey, message.Properties, message.Body);

        var received = Assert.Single(await WaitForEventsAsync(1))!;
        Assert.Equal(relayed.Id, (Guid)received["id"]!);
        Assert.Equal(approvalId, (Guid)received["approvalId"]!);
        Assert.Equal(3, (int)received["sequence"]!);
        Assert.Equal("approval.delivery_failed", (string?)received["type"]);
        Assert.Equal(relayed.OccurredAt, (DateTimeOffset)received["occurredAt"]!);
        Assert.Equal("system:dispatcher", (string?)received["actor"]);
    }

    [Fact]
    public async Task The_events_route_needs_the_api_key_and_a_uuid()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.BaseAddress };
        await ApprovalReceiverTests.AssertProblemAsync(await anonymous.GetAsync("/events"), 401, "auth.unauthenticated");
        await ApprovalReceiverTests.AssertProblemAsync(await _server.Client.GetAsync("/events?approvalId=nope"), 400, "request.validation_failed");
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync($"/events?approvalId={Guid.NewGuid()}")).StatusCode);
    }

    [Theory]
    [InlineData("RabbitMqUri", "http://localhost:5672/")]
    [InlineData("Queue", "amq.reserved")]
    [InlineData("BindingKeys:0", "")]
    [InlineData("Prefetch", "0")]
    [InlineData("Prefetch", "1001")]
    public async Task Invalid_settings_stop_the_service_from_starting(string setting, string value)
    {
        var settings = UserServiceServer.ApprovalEventsSettings(_amqpUri, _server.ConnectionString);
        settings["UserService:ApprovalEvents:" + setting] = value;

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => UserServiceServer.StartAsync(_clock, settings: settings));
        Assert.Contains("UserService:ApprovalEvents: ", failure.Message, StringComparison.Ordinal);
    }

    private async Task PublishUnreadableAsync(PublishedEvent template, Action<IDictionary<string, object?>>? changeHeaders = null, string? body = null)
    {
        var properties = ApprovalEventPublisher.PropertiesOf(template with { Id = Guid.CreateVersion7() });
        changeHeaders?.Invoke(properties.Headers!);

        await _publisher.PublishAsync(template.Type, properties, Encoding.UTF8.GetBytes(body ?? template.DataJson));
    }

    private async Task<JsonArray> WaitForEventsAsync(int count)
    {
        JsonArray received = [];
        await WaitUntilAsync(async () => (received = await _server.ReceivedEventsAsync()).Count >= count);
        await Task.Delay(200); // nothing more arrives
        received = await _server.ReceivedEventsAsync();
        Assert.Equal(count, received.Count);
        return received;
    }

    /// <summary>The stored <c>data</c> of every received event, straight from the table.</summary>
    private async Task<Dictionary<Guid, string>> StoredDataAsync()
    {
        await using var connection = new NpgsqlConnection(_server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT event_id, data::text FROM user_service.received_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var data = new Dictionary<Guid, string>();
        while (await reader.ReadAsync())
        {
            data[reader.GetGuid(0)] = reader.GetString(1);
        }

        return data;
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting.");
            await Task.Delay(50);
        }
    }
}
