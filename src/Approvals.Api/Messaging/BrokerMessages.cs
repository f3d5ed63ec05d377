using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Approvals.Api.Persistence;
using RabbitMQ.Client;

namespace Approvals.Api.Messaging;

/// <summary>
/// A delivery job's next attempt, as a message on the delivery queue: which job, which attempt (a worker makes it
/// only while it is the job's next one, so a message handed out twice never counts twice), and when it is due.
/// </summary>
public sealed record DeliveryMessage(
    [property: JsonPropertyName("jobId")] Guid JobId,
    [property: JsonPropertyName("approvalId")] Guid ApprovalId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("dueAt")] DateTimeOffset DueAt);

[JsonSerializable(typeof(DeliveryMessage))]
internal sealed partial class BrokerJsonContext : JsonSerializerContext;

/// <summary>How approval events and delivery jobs are written as AMQP messages (docs/events.md, "RabbitMQ").</summary>
public static class BrokerMessages
{
    /// <summary>The CloudEvents AMQP binding's prefix for attributes in application properties (the spec's preferred one).</summary>
    public const string CloudEventsPrefix = "cloudEvents_";
    public const string AppId = "approvals";
    private const string JsonContentType = "application/json";

    /// <summary>
    /// An approval event in the CloudEvents AMQP binding's binary mode: the body is the event's <c>data</c> (the
    /// feed's), the attributes are application properties (headers) named <c>cloudEvents_*</c>, the routing key is
    /// the type, and the message id is the event id (subscribers dedupe by it). Persistent, so it survives a broker
    /// restart in durable queues.
    /// </summary>
    public static OutgoingMessage ForEvent(RelayedEvent relayed)
    {
        var source = CloudEvent.SourceOf(relayed.ApprovalId);
        var headers = new Dictionary<string, object?>
        {
            [CloudEventsPrefix + "specversion"] = CloudEvent.SpecVersionValue,
            [CloudEventsPrefix + "id"] = relayed.Id.ToString(),
            [CloudEventsPrefix + "source"] = source,
            [CloudEventsPrefix + "type"] = relayed.Type,
            [CloudEventsPrefix + "subject"] = relayed.ApprovalId.ToString(),
            [CloudEventsPrefix + "time"] = relayed.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture),
            [CloudEventsPrefix + "sequence"] = CloudEvent.SequenceOf(relayed.Sequence),
            [CloudEventsPrefix + "actor"] = relayed.Actor,
            ["traceparent"] = TraceParentOf(relayed.Id, relayed.CorrelationId),
        };
        if (relayed.CorrelationId is { } correlationId)
        {
            headers[CloudEventsPrefix + "correlationid"] = correlationId;
        }

        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = relayed.Id.ToString(),
            ContentType = JsonContentType,
            Type = relayed.Type,
            AppId = AppId,
            CorrelationId = relayed.CorrelationId,
            Timestamp = new AmqpTimestamp(relayed.OccurredAt.ToUnixTimeSeconds()),
            Headers = headers,
        };
        return new OutgoingMessage(RabbitMqTopology.EventsExchange, relayed.Type, Mandatory: false, properties, Encoding.UTF8.GetBytes(relayed.DataJson));
    }

    /// <summary>A job's attempt for the delivery queue; mandatory, so a missing queue is an error rather than a loss.</summary>
    public static OutgoingMessage ForDelivery(DeliveryMessage message) =>
        new(RabbitMqTopology.DeliveriesExchange, RabbitMqTopology.DeliveryRoutingKey, Mandatory: true, DeliveryProperties(message), Serialize(message));

    /// <summary>The same attempt parked in a delay queue until it is due (the default exchange routes by queue name).</summary>
    public static OutgoingMessage ForDelay(DeliveryMessage message, TimeSpan tier) =>
        new("", RabbitMqTopology.DelayQueueOf(tier), Mandatory: true, DeliveryProperties(message), Serialize(message));

    /// <summary>A dead-lettered message that names no job, kept as it came for people to look at.</summary>
    public static OutgoingMessage ForUnreadable(ReadOnlyMemory<byte> body, IReadOnlyBasicProperties received) =>
        new("", RabbitMqTopology.UnreadableQueue, Mandatory: true,
            new BasicProperties { Persistent = true, MessageId = received.MessageId, ContentType = received.ContentType, Type = received.Type }, body);

    /// <summary>The delivery message in <paramref name="body"/>; null when it is not one.</summary>
    public static DeliveryMessage? ReadDelivery(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, BrokerJsonContext.Default.DeliveryMessage) is { JobId: var job, ApprovalId: var approval, Attempt: > 0 } message
                && job != Guid.Empty && approval != Guid.Empty
                ? message
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The W3C trace context of an event: the request's trace id when its correlation id is one (by default it is:
    /// the request's trace, so the event continues it), else one made from the event id; the parent span id from the
    /// event id. The same for every publication of one event, so a republished event carries the same context.
    /// </summary>
    public static string TraceParentOf(Guid eventId, string? correlationId)
    {
        var eventHex = eventId.ToString("N");
        var traceId = correlationId is { Length: 32 } candidate && candidate.All(char.IsAsciiHexDigitLower) && candidate.Any(c => c != '0')
            ? candidate
            : eventHex;
        return $"00-{traceId}-{eventHex[16..]}-01";
    }

    private static BasicProperties DeliveryProperties(DeliveryMessage message) => new()
    {
        Persistent = true,
        MessageId = $"{message.JobId}:{message.Attempt}",
        ContentType = JsonContentType,
        Type = "approvals.delivery",
        AppId = AppId,
    };

    private static byte[] Serialize(DeliveryMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, BrokerJsonContext.Default.DeliveryMessage);
}
