using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace UserService.Tests;

/// <summary>An approval event as a test publishes it; <see cref="Of"/> fills in the rest.</summary>
public sealed record PublishedEvent(
    Guid Id, Guid ApprovalId, int Sequence, string Type, DateTimeOffset OccurredAt, string Actor, string? CorrelationId, string DataJson)
{
    public static PublishedEvent Of(Guid approvalId, int sequence, string type = "approval.edited", string? correlationId = null) =>
        new(Guid.CreateVersion7(), approvalId, sequence, type,
            new DateTimeOffset(2026, 12, 6, 10, 15, 2, TimeSpan.Zero).AddMilliseconds(sequence * 1001.5),
            $"user:{approvalId:N}", correlationId,
            $$$"""{"changes":{"comment":{"old":"{{{sequence - 1}}}","new":"{{{sequence}}}"}},"statusBefore":"PENDING","statusAfter":"PENDING"}""");
}

/// <summary>
/// Publishes to <c>approvals.events</c> exactly as docs/events.md ("RabbitMQ") says the approval service does,
/// written out here with RabbitMQ.Client rather than borrowed from the service, so the tests check the document.
/// Mandatory and confirmed: a message no queue is bound for fails the test instead of vanishing.
/// </summary>
public sealed class ApprovalEventPublisher : IAsyncDisposable
{
    public const string Exchange = "approvals.events";

    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private ApprovalEventPublisher(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<ApprovalEventPublisher> ConnectAsync(string amqpUri)
    {
        var factory = new ConnectionFactory { Uri = new Uri(amqpUri), AutomaticRecoveryEnabled = false };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        return new ApprovalEventPublisher(connection, channel);
    }

    /// <summary>The message properties: AMQP properties plus the CloudEvents attributes as <c>cloudEvents_*</c> headers.</summary>
    public static BasicProperties PropertiesOf(PublishedEvent published)
    {
        var headers = new Dictionary<string, object?>
        {
            ["cloudEvents_specversion"] = "1.0",
            ["cloudEvents_id"] = published.Id.ToString(),
            ["cloudEvents_source"] = $"/api/v1/approvals/{published.ApprovalId}",
            ["cloudEvents_type"] = published.Type,
            ["cloudEvents_subject"] = published.ApprovalId.ToString(),
            ["cloudEvents_time"] = published.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture),
            ["cloudEvents_sequence"] = published.Sequence.ToString("D10", CultureInfo.InvariantCulture),
            ["cloudEvents_actor"] = published.Actor,
            ["traceparent"] = $"00-{published.Id:N}-{published.Id.ToString("N")[16..]}-01",
        };
        if (published.CorrelationId is { } correlationId)
        {
            headers["cloudEvents_correlationid"] = correlationId;
        }

        return new BasicProperties
        {
            Persistent = true,
            MessageId = published.Id.ToString(),
            ContentType = "application/json",
            Type = published.Type,
            AppId = "approvals",
            CorrelationId = published.CorrelationId,
            Timestamp = new AmqpTimestamp(published.OccurredAt.ToUnixTimeSeconds()),
            Headers = headers,
        };
    }

    public async Task PublishAsync(params PublishedEvent[] events)
    {
        foreach (var published in events)
        {
            await PublishAsync(published.Type, PropertiesOf(published), Encoding.UTF8.GetBytes(published.DataJson));
        }
    }

    /// <summary>Any message, for the ones the subscriber must refuse.</summary>
    public async Task PublishAsync(string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body) =>
        await _channel.BasicPublishAsync(Exchange, routingKey, mandatory: true, properties, body);

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
