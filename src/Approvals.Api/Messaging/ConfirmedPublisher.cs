using RabbitMQ.Client;

namespace Approvals.Api.Messaging;

/// <summary>A message to publish: where it goes, and what it is.</summary>
public sealed record OutgoingMessage(string Exchange, string RoutingKey, bool Mandatory, BasicProperties Properties, ReadOnlyMemory<byte> Body);

/// <summary>
/// Publishes batches of messages on one channel with publisher confirms, and returns only when the broker has
/// confirmed every one (persisted to the queues it routed them to); throws when one was refused, returned
/// unroutable (mandatory messages) or not confirmed in time, and then opens a new channel for the next batch. One
/// batch at a time, in order: RabbitMQ keeps the order of one channel's messages to each queue.
/// </summary>
public sealed class ConfirmedPublisher(RabbitMqConnection connection) : IAsyncDisposable
{
    /// <summary>How long a batch may wait for its confirms (a blocked broker, such as one out of disk, never answers).</summary>
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel? _channel;

    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConfirmTimeout);
            // No client-side throttling of outstanding confirms (the client's default delays each publish by up to a
            // second once 64 are outstanding): a batch is bounded by its caller, and the broker has flow control.
            var channel = _channel ??= await (await connection.GetAsync(timeout.Token)).CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: null), timeout.Token);
            try
            {
                var confirms = new Task[messages.Count];
                for (var i = 0; i < messages.Count; i++)
                {
                    var message = messages[i];
                    confirms[i] = channel.BasicPublishAsync(
                        message.Exchange, message.RoutingKey, message.Mandatory, message.Properties, message.Body, timeout.Token).AsTask();
                }

                await Task.WhenAll(confirms);
            }
            catch
            {
                _channel = null;
                await DisposeQuietlyAsync(channel);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is { } channel)
        {
            await DisposeQuietlyAsync(channel);
        }

        _gate.Dispose();
    }

    private static async Task DisposeQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync();
        }
        catch (Exception)
        {
            // The channel is already broken; nothing more to do with it.
        }
    }
}
