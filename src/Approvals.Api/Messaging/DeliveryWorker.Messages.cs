using RabbitMQ.Client;

namespace Approvals.Api.Messaging;

/// <summary>The worker's side of the broker: following a recorded attempt up, parking what is not due, settling messages.</summary>
public sealed partial class DeliveryWorker
{
    /// <summary>Publishes the job's next attempt (parked until due) and then acknowledges the message that led to it.</summary>
    private async Task FollowUpAsync(Received received, DeliveryMessage next, CancellationToken stoppingToken)
    {
        var wait = next.DueAt - clock.GetUtcNow();
        var message = RabbitMqTopology.TierFor(wait) is { } tier ? BrokerMessages.ForDelay(next, tier) : BrokerMessages.ForDelivery(next);
        if (await TryPublishAsync(message, stoppingToken))
        {
            await AckAsync(received);
        }
    }

    /// <summary>
    /// A message not due yet: parked in the longest delay queue that fits (it comes back and is parked again until it
    /// is due), or, when that is shorter than every tier, held here for the rest.
    /// </summary>
    private async Task WaitUntilDueAsync(Received received, DeliveryMessage message, TimeSpan wait, CancellationToken stoppingToken)
    {
        if (RabbitMqTopology.TierFor(wait) is { } tier)
        {
            if (await TryPublishAsync(BrokerMessages.ForDelay(message, tier), stoppingToken))
            {
                await AckAsync(received);
            }

            return;
        }

        _ = Task.Delay(wait, Wall, stoppingToken).ContinueWith(
            _ => _received.Writer.TryWrite(received with { Message = message with { DueAt = DateTimeOffset.MinValue } }),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>A dead-lettered message that names no job (or an unreadable one on the work queue) is parked, never dropped.</summary>
    private async Task SetAsideUnreadableAsync(Received received, CancellationToken stoppingToken)
    {
        if (!received.Dead)
        {
            // Unreadable on the work queue: dead-letter it at once rather than fail on it until the limit.
            await RejectAsync(received);
            return;
        }

        LogUnreadable(logger, received.Properties.MessageId);
        if (await TryPublishAsync(BrokerMessages.ForUnreadable(received.Body, received.Properties), stoppingToken))
        {
            await AckAsync(received);
        }
    }

    private async Task<bool> TryPublishAsync(OutgoingMessage message, CancellationToken stoppingToken)
    {
        try
        {
            await _publisher!.PublishAsync([message], stoppingToken);
            return true;
        }
        catch (Exception exception) when (BrokerBackoff.IsBrokerFailure(exception, stoppingToken))
        {
            // Not acknowledged: the broker hands the message out again once it is back, and it is followed up then.
            LogBrokerUnavailable(logger, exception.GetType().Name, exception.Message, 0);
            return false;
        }
    }

    private Task AckAsync(Received received) => SettleAsync(received, (channel, tag) => channel.BasicAckAsync(tag, multiple: false));

    private Task NackAsync(Received received) => SettleAsync(received, (channel, tag) => channel.BasicNackAsync(tag, multiple: false, requeue: true));

    private Task RejectAsync(Received received) => SettleAsync(received, (channel, tag) => channel.BasicRejectAsync(tag, requeue: false));

    private async Task SettleAsync(Received received, Func<IChannel, ulong, ValueTask> settle)
    {
        await _acks.WaitAsync(CancellationToken.None);
        try
        {
            await settle(_channel!, received.Tag);
        }
        catch (Exception exception) when (BrokerBackoff.IsBrokerFailure(exception, CancellationToken.None))
        {
            // The channel closed: the broker already put the message back; it is handled again when it returns.
            LogSettleFailed(logger, received.Tag, exception.GetType().Name);
        }
        finally
        {
            _acks.Release();
        }
    }
}
