using RabbitMQ.Client;

namespace Approvals.Api.Messaging;

/// <summary>A message to publish: where it goes, and what it is.</summary>
public sealed record OutgoingMessage(string Exchange, string RoutingKey, bool Mandatory, BasicProperties Properties, ReadOnlyMemory<byte> Body);

/// <summary>
/// Publishes batches of messages on one channel with publisher confirms. <see cref="SendAsync"/> returns once a
/// batch is handed to the channel, with a task that completes when the broker has confirmed every message of it
/// (persisted to the queues it routed them to) and fails when one was refused, returned unroutable (mandatory
/// messages) or not confirmed in time; the channel is then replaced for later batches. Batches go out in the order
/// they are sent, and RabbitMQ keeps the order of one channel's messages to each queue, so a caller may send the next
/// batch before the last one is confirmed.
/// </summary>
public sealed class ConfirmedPublisher(RabbitMqConnection connection) : IAsyncDisposable
{
    /// <summary>How long a batch may wait for its confirms (a blocked broker, such as one out of disk, never answers).</summary>
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel? _channel;

    /// <summary>Sends and waits for the broker's confirms.</summary>
    public async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken) =>
        await await SendAsync(messages, cancellationToken);

    /// <summary>Hands the batch to the channel; the task returned completes when the broker has confirmed all of it.</summary>
    public async Task<Task> SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        await _gate.WaitAsync(cancellationToken);
        IChannel? channel = null;
        try
        {
            // No client-side throttling of outstanding confirms (the client's default delays each publish by up to a
            // second once 64 are outstanding): a batch is bounded by its caller, and the broker has flow control.
            channel = _channel ??= await (await connection.GetAsync(cancellationToken)).CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
                    outstandingPublisherConfirmationsRateLimiter: null), cancellationToken);
            var timeout = new CancellationTokenSource(ConfirmTimeout);
            var confirms = new Task[messages.Count];
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                confirms[i] = channel.BasicPublishAsync(
                    message.Exchange, message.RoutingKey, message.Mandatory, message.Properties, message.Body, timeout.Token).AsTask();
            }

            return ConfirmedAsync(channel, confirms, timeout);
        }
        catch
        {
            if (channel is not null)
            {
                await DropAsync(channel);
            }

            throw;
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

    private async Task ConfirmedAsync(IChannel channel, Task[] confirms, CancellationTokenSource timeout)
    {
        try
        {
            await Task.WhenAll(confirms);
        }
        catch
        {
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                await DropAsync(channel);
            }
            finally
            {
                _gate.Release();
            }

            throw;
        }
        finally
        {
            timeout.Dispose();
        }
    }

    /// <summary>Forgets a failed channel (unless another already replaced it); the caller holds the gate.</summary>
    private async Task DropAsync(IChannel channel)
    {
        if (ReferenceEquals(_channel, channel))
        {
            _channel = null;
            await DisposeQuietlyAsync(channel);
        }
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
