using System.Collections.Concurrent;
using System.Threading.Channels;
using Approvals.Api.Http;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Telemetry;
using Approvals.Api.Webhooks;
using Approvals.Domain;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Approvals.Api.Messaging;

/// <summary>
/// A RabbitMQ worker (transport <c>rabbitmq</c>, role <c>all</c> or <c>worker</c>): consumes the delivery queue with a
/// bounded prefetch and sends each job's attempt; any number of workers share the queue. Messages that arrive
/// together are read from PostgreSQL in one statement, and attempts that finish together are recorded in one
/// transaction (<see cref="BrokerDeliveryRecorder"/>), so PostgreSQL does no queue work: no claims, no leases, no
/// polling. A message is acknowledged only after its outcome is committed and, when the job is retried, after the
/// next attempt's message is confirmed in a delay queue, so a worker that dies at any point leaves the message to be
/// handed out again: the attempt is then made again (same <c>webhook-id</c>) or, when it was already recorded, only
/// its retry is published. A message whose handling keeps failing reaches the queue's delivery limit and is
/// dead-lettered; this worker's dead-letter consumer then fails its job with <c>delivery.poisoned</c>.
/// </summary>
public sealed partial class DeliveryWorker(
    RabbitMqConnection connection,
    ApprovalStore approvals,
    IServiceScopeFactory scopes,
    ApprovalsMetrics metrics,
    IOptions<MessagingOptions> options,
    IOptions<DeliveryOptions> delivery,
    TimeProvider clock,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    /// <summary>A message due within this is sent now rather than parked.</summary>
    private static readonly TimeSpan DueTolerance = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeProvider Wall = TimeProvider.System;

    /// <summary>
    /// Reads of arriving messages that may run at once: a message that arrives during a read need not wait for it to
    /// finish before its own starts, which was most of a delivery's wait at a steady moderate rate.
    /// </summary>
    private const int MaxConcurrentReads = 4;

    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(Received Delivery, AttemptToRecord Attempt)> _finished =
        Channel.CreateUnbounded<(Received, AttemptToRecord)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<ulong, Task> _sending = new();
    private readonly SemaphoreSlim _acks = new(1, 1);
    private readonly SemaphoreSlim _reads = new(MaxConcurrentReads, MaxConcurrentReads);
    private readonly ConcurrentDictionary<Task, bool> _reading = new();
    private IChannel? _channel;
    private ConfirmedPublisher? _publisher;

    private long _attemptsMade;

    /// <summary>Whether this worker is consuming.</summary>
    public bool IsConsuming => _channel is { IsOpen: true };

    /// <summary>Attempts this worker has made (HTTP calls, whatever their outcome).</summary>
    public long AttemptsMade => Interlocked.Read(ref _attemptsMade);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Transport != MessagingTransport.RabbitMq || !delivery.Value.Enabled)
        {
            // Delivery is off here (Delivery:Enabled=false, or --role api): other processes' workers deliver.
            return;
        }

        var backoff = BrokerBackoff.Start(settings.RabbitMQ.MaxReconnectDelay);
        while (_channel is null)
        {
            try
            {
                await StartConsumingAsync(settings.RabbitMQ, stoppingToken);
            }
            catch (Exception exception) when (BrokerBackoff.IsBrokerFailure(exception, stoppingToken))
            {
                var delay = backoff.Next();
                LogBrokerUnavailable(logger, exception.GetType().Name, exception.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, Wall, stoppingToken);
            }
        }

        await using var publisher = _publisher = new ConfirmedPublisher(connection);
        var recording = RecordUntilStoppedAsync(stoppingToken);
        try
        {
            await DispatchUntilStoppedAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: unacknowledged messages go back to the queue when the channel closes.
        }
        finally
        {
            await Task.WhenAll(_reading.Keys);
            await Task.WhenAll(_sending.Values);
            await recording;
            if (_channel is { } channel)
            {
                await channel.DisposeAsync();
            }
        }
    }

    private async Task StartConsumingAsync(RabbitMqOptions settings, CancellationToken stoppingToken)
    {
        var channel = await (await connection.GetAsync(stoppingToken)).CreateChannelAsync(cancellationToken: stoppingToken);
        await channel.BasicQosAsync(0, (ushort)settings.Prefetch, global: false, stoppingToken);
        await ConsumeAsync(channel, RabbitMqTopology.DeliveriesQueue, dead: false, stoppingToken);
        await ConsumeAsync(channel, RabbitMqTopology.DeadLetterQueue, dead: true, stoppingToken);
        _channel = channel;
        LogConsuming(logger, settings.Prefetch);
    }

    private async Task ConsumeAsync(IChannel channel, string queue, bool dead, CancellationToken stoppingToken)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The body's memory is the client's, valid only during this handler.
            var body = delivery.Body.ToArray();
            _received.Writer.TryWrite(new Received(delivery.DeliveryTag, dead, body, delivery.BasicProperties, BrokerMessages.ReadDelivery(body)));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, stoppingToken);
    }

    /// <summary>Takes what has arrived, decides per message what to do, and starts the attempts.</summary>
    private async Task DispatchUntilStoppedAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Received>();
        while (await _received.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            while (batch.Count < 1024 && _received.Reader.TryRead(out var received))
            {
                batch.Add(received);
            }

            var now = clock.GetUtcNow();
            var toRead = new List<Received>(batch.Count);
            foreach (var received in batch)
            {
                if (received.Message is not { } message)
                {
                    await SetAsideUnreadableAsync(received, stoppingToken);
                }
                else if (!received.Dead && message.DueAt - now > DueTolerance)
                {
                    await WaitUntilDueAsync(received, message, message.DueAt - now, stoppingToken);
                }
                else
                {
                    toRead.Add(received);
                }
            }

            if (toRead.Count > 0)
            {
                await _reads.WaitAsync(stoppingToken);
                var reading = ReadAndStartAsync(toRead, stoppingToken);
                _reading[reading] = true;
                _ = reading.ContinueWith(done => _reading.TryRemove(done, out _), CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task ReadAndStartAsync(List<Received> batch, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await StartAttemptsAsync(batch, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the messages go back to the queue when the channel closes.
        }
        catch (Exception exception)
        {
            // Handed back; the broker counts them towards the delivery limit.
            LogReadFailed(logger, exception, batch.Count);
            foreach (var received in batch)
            {
                await NackAsync(received);
            }
        }
        finally
        {
            _reads.Release();
        }
    }

    private async Task StartAttemptsAsync(List<Received> batch, CancellationToken stoppingToken)
    {
        Dictionary<Guid, ApprovalForDelivery> found;
        while (true)
        {
            try
            {
                found = await approvals.ReadForDeliveriesAsync([.. batch.Select(r => r.Message!.ApprovalId).Distinct()], stoppingToken);
                break;
            }
            catch (Exception exception) when (ApiExceptionHandler.IsDatabaseUnavailable(exception))
            {
                // Hold the messages (unacknowledged) until the database is back.
                LogDatabaseUnavailable(logger, exception.GetType().Name);
                await Task.Delay(DatabaseRetryDelay, Wall, stoppingToken);
            }
        }

        foreach (var received in batch)
        {
            var message = received.Message!;
            if (!found.TryGetValue(message.ApprovalId, out var approval)
                || !approval.Jobs.TryGetValue(message.JobId, out var job)
                || job.Job.State != DeliveryState.Pending)
            {
                // Finished, or superseded by a new decision: nothing to send.
                LogNoLongerDue(logger, message.JobId, message.Attempt);
                await AckAsync(received);
                continue;
            }

            var attemptsMade = job.Job.Attempts;
            if (attemptsMade == message.Attempt - 1)
            {
                var claimed = new ClaimedJob(message.JobId, message.ApprovalId, job.Job.DecisionId, job.Rule.Id, job.RequestedStatus,
                    message.Attempt, job.ScheduleStep + 1, DateTimeOffset.MaxValue, job.Job.TraceParent);
                if (received.Dead)
                {
                    var now = clock.GetUtcNow();
                    var poisoned = new DeliveryAttemptOutcome(AttemptVerdict.Permanent, now, TimeSpan.Zero, ErrorCode: ErrorCodes.DeliveryPoisoned,
                        Error: $"Attempt {message.Attempt} never completed: its message was handed to workers {options.Value.RabbitMQ.DeliveryLimit} time(s) without an outcome (a worker crashed or failed on it each time), so the broker moved it to its dead-letter queue.");
                    _finished.Writer.TryWrite((received, new AttemptToRecord(claimed, job.Rule.RetrySchedule, poisoned)));
                }
                else if (!job.Rule.Enabled)
                {
                    // Disabled since the decision: nothing is sent, and the job fails, as on the postgres transport.
                    LogRuleDisabled(logger, message.JobId, message.ApprovalId, job.Rule.Id);
                    _finished.Writer.TryWrite((received, new AttemptToRecord(claimed, job.Rule.RetrySchedule,
                        DeliveryAttemptOutcome.RuleDisabled(job.Rule.Id, clock.GetUtcNow()))));
                }
                else
                {
                    var request = WebhookRequest.ForJob(message.JobId, approval.Approval, job.RequestedStatus, job.Rule);
                    _sending[received.Tag] = SendAsync(received, claimed, job.Rule.RetrySchedule, request, stoppingToken);
                }
            }
            else if (attemptsMade == message.Attempt && !received.Dead)
            {
                // This attempt was recorded, but its worker died before it published the retry and acknowledged.
                await FollowUpAsync(received, new DeliveryMessage(message.JobId, message.ApprovalId, message.Attempt + 1, job.Job.NextAttemptAt), stoppingToken);
            }
            else
            {
                LogNoLongerDue(logger, message.JobId, message.Attempt);
                await AckAsync(received);
            }
        }
    }

    private async Task SendAsync(Received received, ClaimedJob job, IReadOnlyList<int> schedule, WebhookRequest request, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var sender = scope.ServiceProvider.GetRequiredService<WebhookSender>();
            using var span = ApprovalsTelemetry.StartDeliveryAttempt(job);
            var outcome = await sender.SendAsync(request, stoppingToken);
            metrics.Attempted(job, outcome, span);
            Interlocked.Increment(ref _attemptsMade);
            _finished.Writer.TryWrite((received, new AttemptToRecord(job, schedule, outcome)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping mid-attempt: the message goes back to the queue when the channel closes.
        }
        catch (Exception exception)
        {
            // Handed back; the broker counts it towards the delivery limit.
            LogAttemptCrashed(logger, exception, job.Id, job.Attempt);
            await NackAsync(received);
        }
        finally
        {
            _sending.TryRemove(received.Tag, out _);
        }
    }

    /// <summary>Records what finished, batch by batch (one transaction each), then publishes retries and acknowledges.</summary>
    private async Task RecordUntilStoppedAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(Received Delivery, AttemptToRecord Attempt)>();
        try
        {
            while (await _finished.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < 256 && _finished.Reader.TryRead(out var finished))
                {
                    batch.Add(finished);
                }

                await RecordBatchAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Unrecorded attempts are made again by whichever worker gets their messages next.
        }
    }

    private async Task RecordBatchAsync(List<(Received Delivery, AttemptToRecord Attempt)> batch, CancellationToken stoppingToken)
    {
        JobNextState?[] states;
        while (true)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var recorder = scope.ServiceProvider.GetRequiredService<BrokerDeliveryRecorder>();
                states = await recorder.RecordAsync([.. batch.Select(b => b.Attempt)], stoppingToken);
                break;
            }
            catch (Exception exception) when (ApiExceptionHandler.IsDatabaseUnavailable(exception))
            {
                // The attempts happened; keep them (and their messages) until they can be recorded.
                LogDatabaseUnavailable(logger, exception.GetType().Name);
                await Task.Delay(DatabaseRetryDelay, Wall, stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRecordingFailed(logger, exception, batch.Count);
                foreach (var (delivery, _) in batch)
                {
                    await NackAsync(delivery);
                }

                return;
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var (delivery, attempt) = batch[i];
            if (states[i] is { State: DeliveryState.Pending, NextAttemptAt: { } next })
            {
                await FollowUpAsync(delivery, new DeliveryMessage(attempt.Job.Id, attempt.Job.ApprovalId, attempt.Job.Attempt + 1, next), stoppingToken);
            }
            else
            {
                await AckAsync(delivery);
            }
        }
    }

    public override void Dispose()
    {
        _acks.Dispose();
        _reads.Dispose();
        base.Dispose();
    }

    private sealed record Received(ulong Tag, bool Dead, ReadOnlyMemory<byte> Body, IReadOnlyBasicProperties Properties, DeliveryMessage? Message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery worker consuming from RabbitMQ, {Prefetch} message(s) at a time")]
    private static partial void LogConsuming(ILogger logger, int prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery worker cannot use RabbitMQ ({ExceptionType}: {Reason}); retrying in {DelayMs} ms")]
    private static partial void LogBrokerUnavailable(ILogger logger, string exceptionType, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery worker cannot reach the database ({ExceptionType}); holding its messages and retrying")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string exceptionType);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery job {JobId} attempt {Attempt} is no longer due (done, superseded or already made); message dropped")]
    private static partial void LogNoLongerDue(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery job {JobId} of approval {ApprovalId} not sent: service rule {ServiceRuleId} is disabled; the job fails")]
    private static partial void LogRuleDisabled(ILogger logger, Guid jobId, Guid approvalId, int serviceRuleId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery job {JobId} attempt {Attempt} failed unexpectedly; its message goes back to the queue")]
    private static partial void LogAttemptCrashed(ILogger logger, Exception exception, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading {Count} delivery message(s)' approvals failed; the messages go back to the queue")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {Count} delivery attempt(s) failed; their messages go back to the queue")]
    private static partial void LogRecordingFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered message {MessageId} names no delivery job; parked in approvals.deliveries.unreadable")]
    private static partial void LogUnreadable(ILogger logger, string? messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not settle message {Tag} ({ExceptionType}); the broker hands it out again")]
    private static partial void LogSettleFailed(ILogger logger, ulong tag, string exceptionType);
}
