using Approvals.Testing;
using Microsoft.Extensions.Time.Testing;

namespace UserService.Tests;

/// <summary>The approval events mode when UserService or the broker is away.</summary>
public sealed class ApprovalEventOutageTests
{
    private static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task An_event_published_while_the_service_is_stopped_is_received_when_it_starts()
    {
        var broker = await RabbitMqServer.GetAsync();
        var amqpUri = await broker.CreateVirtualHostAsync("usersvc-stopped");
        string connectionString;
        await using (var first = await UserServiceServer.StartAsync(_clock, settings: UserServiceServer.ApprovalEventsSettings(amqpUri)))
        {
            await first.Subscriber.Subscribed.WaitAsync(SubscribeTimeout);
            connectionString = first.ConnectionString;
        }

        var published = PublishedEvent.Of(Guid.NewGuid(), 1, "approval.created");
        await using (var publisher = await ApprovalEventPublisher.ConnectAsync(amqpUri))
        {
            await publisher.PublishAsync(published);
        }

        Assert.Equal(1, await broker.QueueMessageCountAsync(RabbitMqServer.VirtualHostOf(amqpUri), "userservice.approval-events"));
        await using var second = await UserServiceServer.StartAsync(_clock, settings: UserServiceServer.ApprovalEventsSettings(amqpUri, connectionString));
        await ApprovalEventSubscriberTests.WaitUntilAsync(async () => (await second.ReceivedEventsAsync()).Count == 1);
        Assert.Equal(published.Id, (Guid)(await second.ReceivedEventsAsync())[0]!["id"]!);
    }

    [Fact]
    public async Task It_subscribes_once_the_broker_is_up_and_again_after_the_broker_restarts()
    {
        await using var broker = await RabbitMqServer.StartDedicatedAsync();
        await broker.StopAsync();
        await using var server = await UserServiceServer.StartAsync(_clock, settings: UserServiceServer.ApprovalEventsSettings(broker.AmqpUri));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(server.Subscriber.Subscribed.IsCompleted);

        await broker.StartAsync();
        await server.Subscriber.Subscribed.WaitAsync(SubscribeTimeout);
        var beforeRestart = PublishedEvent.Of(Guid.NewGuid(), 1, "approval.created");
        await PublishAsync(broker.AmqpUri, beforeRestart);
        await ApprovalEventSubscriberTests.WaitUntilAsync(async () => (await server.ReceivedEventsAsync()).Count == 1);

        await broker.StopAsync();
        await ApprovalEventSubscriberTests.WaitUntilAsync(() => Task.FromResult(!server.Subscriber.IsConsuming));
        await broker.StartAsync();
        await ApprovalEventSubscriberTests.WaitUntilAsync(() => Task.FromResult(server.Subscriber.IsConsuming), seconds: 60);
        var afterRestart = PublishedEvent.Of(beforeRestart.ApprovalId, 2, "approval.decided");
        await PublishAsync(broker.AmqpUri, afterRestart);

        await ApprovalEventSubscriberTests.WaitUntilAsync(async () => (await server.ReceivedEventsAsync()).Count == 2);
        Assert.Equal([beforeRestart.Id, afterRestart.Id], (await server.ReceivedEventsAsync()).Select(e => (Guid)e!["id"]!));
    }

    private static async Task PublishAsync(string amqpUri, PublishedEvent published)
    {
        await using var publisher = await ApprovalEventPublisher.ConnectAsync(amqpUri);
        await publisher.PublishAsync(published);
    }
}
