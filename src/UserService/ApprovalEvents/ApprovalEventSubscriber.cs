using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using UserService.Data;

namespace UserService.ApprovalEvents;

/// <summary>
/// Subscribes this service to the approval service's events (mode <c>UserService:ApprovalEvents</c>; nothing runs
/// when it is off): declares the topic exchange <c>approvals.events</c> exactly as the approval service does (so
/// either may start first) and a durable quorum queue of its own bound to it, consumes with manual acks and a
/// bounded prefetch, and records what arrives in batches (<see cref="ReceivedEventStore"/>), each message acked only
/// after its batch is committed. The relay is at-least-once, so events are recorded by id: a copy only counts.
/// A message that is no approval event is rejected without requeue (and logged), so it cannot block the queue.
/// The client recovers a lost connection with its channel and consumer; until the first connection succeeds, or
/// when the broker closed the channel itself, this subscribes again with backoff.
/// </summary>
public sealed partial class ApprovalEventSubscriber(
    IServiceScopeFactory scopes, IOptions<UserServiceOptions> options, ILogger<ApprovalEventSubscriber> logger) : BackgroundService
{
    public const string EventsExchange = "approvals.events";

    private static readonly TimeSpan InitialReconnectDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HealthCheckInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(1);

    // Real time for waits on the network and the database: tests move their fake clock by hours.
    private static readonly TimeProvider Wall = TimeProvider.System;

    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IChannel? _channel;
    private AsyncEventingBasicConsumer? _consumer;

    /// <summary>Completes once the queue is declared, bound and consumed from for the first time (for tests).</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>Whether messages are being consumed right now (false while the broker is away).</summary>
    public bool IsConsuming => _channel is { IsOpen: true } && _consumer is { IsRunning: true };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.ApprovalEvents;
        if (!settings.IsEnabled)
        {
            return;
        }

        var recording = RecordUntilStoppedAsync(settings.Prefetch, stoppingToken);
        try
        {
            await SubscribeUntilStoppedAsync(settings, stoppingToken);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (the client may report it as a closed connection): unacknowledged messages go back to the
            // queue when the channel closes.
        }
        finally
        {
            _received.Writer.TryComplete();
            await recording;
        }
    }

    private async Task SubscribeUntilStoppedAsync(ApprovalEventsOptions settings, CancellationToken stoppingToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(settings.RabbitMqUri!),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            RequestedHeartbeat = TimeSpan.FromSeconds(15),
            ClientProvidedName = $"userservice {Environment.MachineName}:{Environment.ProcessId}",
        };
        var delay = InitialReconnectDelay;
        while (true)
        {
            try
            {
                await using var connection = await factory.CreateConnectionAsync(stoppingToken);
                connection.ConnectionShutdownAsync += (_, reason) =>
                {
                    if (reason.Initiator != ShutdownInitiator.Application)
                    {
                        LogConnectionLost(logger, reason.ReplyText);
                    }

                    return Task.CompletedTask;
                };
                connection.RecoverySucceededAsync += (_, _) =>
                {
                    LogConnectionRecovered(logger);
                    return Task.CompletedTask;
                };
                await using var channel = await SubscribeAsync(connection, settings, stoppingToken);
                delay = InitialReconnectDelay;
                await WatchUntilLostAsync(connection, stoppingToken);
                LogSubscriptionLost(logger);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Broker down or unreachable, or a declaration it refused (say, a queue of another type by that
                // name): keep trying, so the service subscribes as soon as the broker or its setup is right.
                var wait = delay * (0.75 + (Random.Shared.NextDouble() / 2));
                LogBrokerUnavailable(logger, exception.GetType().Name, exception.Message, (long)wait.TotalMilliseconds);
                await Task.Delay(wait, Wall, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(MaxReconnectDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    private async Task<IChannel> SubscribeAsync(IConnection connection, ApprovalEventsOptions settings, CancellationToken stoppingToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await channel.ExchangeDeclareAsync(EventsExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: stoppingToken);
        await channel.QueueDeclareAsync(settings.Queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: stoppingToken);
        foreach (var bindingKey in settings.EffectiveBindingKeys)
        {
            await channel.QueueBindAsync(settings.Queue, EventsExchange, bindingKey, cancellationToken: stoppingToken);
        }

        await channel.BasicQosAsync(0, (ushort)settings.Prefetch, global: false, stoppingToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // Read here: the body's memory is the client's only during this handler.
            var incoming = ApprovalEventMessage.Read(delivery.BasicProperties, delivery.Body, out var problem);
            _received.Writer.TryWrite(new Received(channel, delivery.DeliveryTag, incoming, problem, delivery.BasicProperties.MessageId));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(settings.Queue, autoAck: false, consumer, stoppingToken);
        (_channel, _consumer) = (channel, consumer);
        _subscribed.TrySetResult();
        LogSubscribed(logger, settings.Queue, string.Join(", ", settings.EffectiveBindingKeys), settings.Prefetch);
        return channel;
    }

    /// <summary>
    /// Returns when the subscription is gone for good. Automatic recovery repairs a lost connection with its channel
    /// and consumer, but not a channel the broker closed by itself (a channel error) nor a consumer it cancelled (its
    /// queue was deleted): either, seen twice in a row with the connection up, ends this subscription.
    /// </summary>
    private async Task WatchUntilLostAsync(IConnection connection, CancellationToken stoppingToken)
    {
        var failedChecks = 0;
        while (failedChecks < 2)
        {
            await Task.Delay(HealthCheckInterval, Wall, stoppingToken);
            failedChecks = connection.IsOpen && !IsConsuming ? failedChecks + 1 : 0;
        }
    }

    /// <summary>Records what arrived, batch by batch (at most a prefetch's worth), then settles each message.</summary>
    private async Task RecordUntilStoppedAsync(int maxBatch, CancellationToken stoppingToken)
    {
        var batch = new List<Received>();
        try
        {
            while (await _received.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < maxBatch && _received.Reader.TryRead(out var received))
                {
                    if (received.Event is null)
                    {
                        LogUnreadable(logger, received.MessageId, received.Problem);
                        await SettleAsync(received, (channel, tag) => channel.BasicRejectAsync(tag, requeue: false));
                    }
                    else
                    {
                        batch.Add(received);
                    }
                }

                if (batch.Count > 0)
                {
                    await RecordAndAckAsync(batch, stoppingToken);
                }
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (the database may report the cancellation its own way): unrecorded messages go back to the
            // queue when the channel closes.
        }
    }

    private async Task RecordAndAckAsync(List<Received> batch, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ReceivedEventStore>().RecordAsync([.. batch.Select(r => r.Event!)], stoppingToken);
                break;
            }
            catch (PostgresException refused) when (IsRefusedData(refused) && batch.Count > 1)
            {
                // One event the database refuses fails its whole batch: record them one by one to find it.
                LogBatchRefused(logger, refused.SqlState, batch.Count);
                foreach (var received in batch)
                {
                    await RecordAndAckAsync([received], stoppingToken);
                }

                return;
            }
            catch (PostgresException refused) when (IsRefusedData(refused))
            {
                // Refused for what it holds, so it would be refused forever: holding it would block the queue.
                LogUnrecordable(logger, refused, batch[0].Event!.Id);
                await SettleAsync(batch[0], (channel, tag) => channel.BasicRejectAsync(tag, requeue: false));
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is away (or something else failed): hold the messages, unacknowledged, and try again.
                if (IsDatabaseUnavailable(exception))
                {
                    LogDatabaseUnavailable(logger, exception.GetType().Name, batch.Count);
                }
                else
                {
                    LogRecordingFailed(logger, exception, batch.Count);
                }

                await Task.Delay(DatabaseRetryDelay, Wall, stoppingToken);
            }
        }

        LogRecorded(logger, batch.Count);
        foreach (var received in batch)
        {
            await SettleAsync(received, (channel, tag) => channel.BasicAckAsync(tag, multiple: false));
        }
    }

    /// <summary>
    /// Acks or rejects on the channel the message came on. After a recovery the client ignores tags of the channel
    /// before it; a channel that is gone has already handed its messages back to the queue.
    /// </summary>
    private async Task SettleAsync(Received received, Func<IChannel, ulong, ValueTask> settle)
    {
        try
        {
            await settle(received.Channel, received.Tag);
        }
        catch (Exception exception)
        {
            LogSettleFailed(logger, received.MessageId, exception.GetType().Name);
        }
    }

    /// <summary>A data exception (class 22, such as a <c>\u0000</c> jsonb refuses) or an integrity violation (class 23).</summary>
    private static bool IsRefusedData(PostgresException exception) =>
        exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("23", StringComparison.Ordinal);

    private static bool IsDatabaseUnavailable(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } => true,
        System.Net.Sockets.SocketException or TimeoutException => true,
        _ => exception.InnerException is { } inner && IsDatabaseUnavailable(inner),
    };

    private sealed record Received(IChannel Channel, ulong Tag, IncomingApprovalEvent? Event, string? Problem, string? MessageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to approvals.events: queue {Queue}, binding keys {BindingKeys}, prefetch {Prefetch}")]
    private static partial void LogSubscribed(ILogger logger, string queue, string bindingKeys, int prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to approval events ({ExceptionType}: {Reason}); retrying in {DelayMs} ms")]
    private static partial void LogBrokerUnavailable(ILogger logger, string exceptionType, string reason, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker closed the approval events channel or cancelled its consumer; subscribing again")]
    private static partial void LogSubscriptionLost(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ connection lost ({Reason}); recovering")]
    private static partial void LogConnectionLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ connection recovered")]
    private static partial void LogConnectionRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected an unreadable message (message-id {MessageId}) from approvals.events: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string? messageId, string? problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot record approval events, the database is unavailable ({ExceptionType}); holding {Count} message(s) and retrying")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string exceptionType, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {Count} approval event(s) failed; holding their messages and retrying")]
    private static partial void LogRecordingFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database refused a batch of {Count} approval events (SQLSTATE {SqlState}); recording them one by one")]
    private static partial void LogBatchRefused(ILogger logger, string sqlState, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The database refused approval event {EventId}; its message is rejected")]
    private static partial void LogUnrecordable(ILogger logger, Exception exception, Guid eventId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recorded {Count} approval event(s)")]
    private static partial void LogRecorded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not settle message {MessageId} ({ExceptionType}); the broker hands it out again")]
    private static partial void LogSettleFailed(ILogger logger, string? messageId, string exceptionType);
}
