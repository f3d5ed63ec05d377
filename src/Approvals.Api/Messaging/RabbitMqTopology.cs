using Approvals.Api.Outbox;
using RabbitMQ.Client;

namespace Approvals.Api.Messaging;

/// <summary>
/// The broker's exchanges and queues (docs/events.md, "RabbitMQ"), declared by every process when it connects (a
/// declaration that exists already is a no-op, so processes may start in any order):
/// <list type="bullet">
/// <item><c>approvals.events</c>: a durable topic exchange; every committed approval event, routing key = its type.
/// Subscribers bind queues of their own to it.</item>
/// <item><c>approvals.deliveries</c>: a direct exchange and the durable quorum queue of delivery jobs that workers
/// consume, with a delivery limit: a message its workers keep failing on dead-letters to
/// <c>approvals.deliveries.dead</c>, whose consumer fails the job with <c>delivery.poisoned</c>.</item>
/// <item><c>approvals.deliveries.delay.*</c>: one quorum queue per delay tier, whose messages expire after the tier's
/// time back into the delivery queue: how retries wait on the broker (<see cref="DelayTiers"/>).</item>
/// <item><c>approvals.deliveries.unreadable</c>: where a dead-lettered message that names no job is parked for people
/// to look at, so nothing is dropped.</item>
/// </list>
/// Dead-lettering is at-least-once (RabbitMQ 3.10+), so a message is never lost on its way between these queues.
/// </summary>
public static class RabbitMqTopology
{
    public const string EventsExchange = "approvals.events";
    public const string DeliveriesExchange = "approvals.deliveries";
    public const string DeliveriesQueue = "approvals.deliveries";
    public const string DeliveryRoutingKey = "job";
    public const string DeadLetterExchange = "approvals.deliveries.dead";
    public const string DeadLetterQueue = "approvals.deliveries.dead";
    public const string UnreadableQueue = "approvals.deliveries.unreadable";

    /// <summary>
    /// The delays a retry can wait on the broker. A message waits in the longest tier not longer than what is left
    /// of its delay, and again until it is due (a few hops at most), so any delay works without a plugin and without a
    /// queue per delay value. Under the shortest tier the worker waits in memory.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> DelayTiers =
    [
        TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1),
    ];

    public static string DelayQueueOf(TimeSpan tier) =>
        $"approvals.deliveries.delay.{(long)tier.TotalMilliseconds}ms";

    /// <summary>The longest tier not longer than <paramref name="remaining"/>; null when it is shorter than every tier.</summary>
    public static TimeSpan? TierFor(TimeSpan remaining)
    {
        TimeSpan? chosen = null;
        foreach (var tier in DelayTiers)
        {
            if (tier <= remaining)
            {
                chosen = tier;
            }
        }

        return chosen;
    }

    public static async Task DeclareAsync(IChannel channel, RabbitMqOptions options, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(EventsExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(DeliveriesExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);

        await DeclareQuorumQueueAsync(channel, DeliveriesQueue, new Dictionary<string, object?>
        {
            ["x-delivery-limit"] = options.DeliveryLimit,
            ["x-dead-letter-exchange"] = DeadLetterExchange,
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        }, cancellationToken);
        await channel.QueueBindAsync(DeliveriesQueue, DeliveriesExchange, DeliveryRoutingKey, cancellationToken: cancellationToken);

        await DeclareQuorumQueueAsync(channel, DeadLetterQueue, [], cancellationToken);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, "", cancellationToken: cancellationToken);
        await DeclareQuorumQueueAsync(channel, UnreadableQueue, [], cancellationToken);

        foreach (var tier in DelayTiers)
        {
            await DeclareQuorumQueueAsync(channel, DelayQueueOf(tier), new Dictionary<string, object?>
            {
                ["x-message-ttl"] = (long)tier.TotalMilliseconds,
                ["x-dead-letter-exchange"] = DeliveriesExchange,
                ["x-dead-letter-routing-key"] = DeliveryRoutingKey,
                ["x-dead-letter-strategy"] = "at-least-once",
                ["x-overflow"] = "reject-publish",
            }, cancellationToken);
        }
    }

    private static Task DeclareQuorumQueueAsync(IChannel channel, string name, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        arguments["x-queue-type"] = "quorum";
        return channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken);
    }
}
