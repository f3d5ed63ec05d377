using Approvals.Api.Http;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Approvals.Api.Messaging;

/// <summary>
/// Publishes the event stream to RabbitMQ (transport <c>rabbitmq</c>). Every process runs one; the one whose
/// session holds the relay lock (a PostgreSQL advisory lock) publishes and the others stand by, so in the normal case
/// no event goes out twice, and a standby takes over within <see cref="StandbyInterval"/> when the active relay's
/// session ends. A round reads the settled events after the last one sent, in feed order (with the jobs a decision or
/// a redelivery queued), and publishes each event to <c>approvals.events</c> and each queued job to the delivery
/// queue; the next round may go out while earlier ones wait for the broker's confirms, and the checkpoint moves only
/// over confirmed rounds: a relay that dies between the confirms and the checkpoint publishes those events again,
/// with the same message ids, and so does one whose round the broker did not confirm. While the broker is away the relay keeps
/// retrying the same round with backoff; nothing is skipped, so nothing is lost and each approval's events keep their
/// order. The API is not affected: it only writes to PostgreSQL.
/// </summary>
public sealed partial class EventRelay(
    [FromKeyedServices(DatabaseSetup.SessionDataSource)] NpgsqlDataSource sessions,
    RabbitMqConnection connection,
    ApprovalEventSignal signal,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<EventRelay> logger) : BackgroundService
{
    /// <summary>The checkpoint's name: one relay stream per database.</summary>
    public const string CheckpointName = "rabbitmq";

    /// <summary>How often a standby relay tries to become the active one.</summary>
    public static readonly TimeSpan StandbyInterval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HeldBackRecheck = TimeSpan.FromMilliseconds(5);

    /// <summary>Rounds the relay sends ahead of the broker's confirms.</summary>
    private const int MaxUnconfirmedRounds = 4;

    // Real time for waits: they are about the network, and tests move their fake clock by days.
    private static readonly TimeProvider Wall = TimeProvider.System;

    private long _published;

    /// <summary>Events this process's relay has published and checkpointed.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Whether this process's relay is the active one.</summary>
    public bool IsActive { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Transport != MessagingTransport.RabbitMq)
        {
            return;
        }

        var standingBy = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var session = await sessions.OpenConnectionAsync(stoppingToken);
                if (!await EventRelayStore.TryBecomeActiveAsync(session, stoppingToken))
                {
                    if (!standingBy)
                    {
                        LogStandingBy(logger);
                        standingBy = true;
                    }

                    await Task.Delay(StandbyInterval, Wall, stoppingToken);
                    continue;
                }

                standingBy = false;
                IsActive = true;
                var checkpoint = await EventRelayStore.GetCheckpointAsync(session, CheckpointName, stoppingToken);
                LogActive(logger, checkpoint?.Position ?? 0);
                await RelayWhileActiveAsync(session, checkpoint, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (ApiExceptionHandler.IsDatabaseUnavailable(exception) || exception is NpgsqlException)
            {
                // The session (and with it the relay lock) is gone; try again, maybe as a standby.
                LogDatabaseUnavailable(logger, exception.GetType().Name, exception.Message);
                await DelayQuietlyAsync(DatabaseRetryDelay, stoppingToken);
            }
            finally
            {
                IsActive = false;
            }
        }
    }

    private async Task RelayWhileActiveAsync(NpgsqlConnection session, EventCursor? checkpoint, CancellationToken stoppingToken)
    {
        var settings = options.Value.RabbitMQ;
        await using var publisher = new ConfirmedPublisher(connection);
        var backoff = BrokerBackoff.Start(settings.MaxReconnectDelay);

        // Rounds sent and not yet confirmed, oldest first. The next round is read and sent while earlier ones wait
        // for their confirms (the channel keeps their order); the checkpoint moves only over confirmed rounds.
        var unconfirmed = new Queue<(EventCursor Last, int Count, Task Confirmed)>();
        var sentUpTo = checkpoint;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = signal.NextWake;
            var confirmedUpTo = checkpoint;
            var confirmedCount = 0;
            try
            {
                while (unconfirmed.TryPeek(out var oldest) && oldest.Confirmed.IsCompleted)
                {
                    unconfirmed.Dequeue();
                    await oldest.Confirmed; // throws when the broker refused or never confirmed it
                    confirmedUpTo = oldest.Last;
                    confirmedCount += oldest.Count;
                }
            }
            catch (Exception exception) when (BrokerBackoff.IsBrokerFailure(exception, stoppingToken))
            {
                // Everything after the last confirmed round goes out again (the same message ids), in order.
                await ForgetAsync(unconfirmed);
                sentUpTo = checkpoint = confirmedUpTo;
                var delay = backoff.Next();
                LogBrokerUnavailable(logger, exception.GetType().Name, exception.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, Wall, stoppingToken);
                continue;
            }

            if (confirmedUpTo != checkpoint && confirmedUpTo is { } confirmed)
            {
                await EventRelayStore.SaveCheckpointAsync(session, CheckpointName, confirmed, clock.GetUtcNow(), stoppingToken);
                checkpoint = confirmed;
                Interlocked.Add(ref _published, confirmedCount);
                backoff.Reset();
                LogPublished(logger, confirmedCount, confirmed.Position);
            }

            if (unconfirmed.Count >= MaxUnconfirmedRounds)
            {
                await Task.WhenAny(unconfirmed.Peek().Confirmed);
                continue;
            }

            var (events, heldBack) = await ApprovalEventStore.ReadForRelayAsync(session, sentUpTo, settings.RelayBatchSize, stoppingToken);
            if (events.Count > 0)
            {
                try
                {
                    var confirmedRound = await publisher.SendAsync(MessagesOf(events), stoppingToken);
                    unconfirmed.Enqueue((events[^1].Cursor, events.Count, confirmedRound));
                    sentUpTo = events[^1].Cursor;
                }
                catch (Exception exception) when (BrokerBackoff.IsBrokerFailure(exception, stoppingToken))
                {
                    await ForgetAsync(unconfirmed);
                    sentUpTo = checkpoint;
                    var delay = backoff.Next();
                    LogBrokerUnavailable(logger, exception.GetType().Name, exception.Message, delay.TotalMilliseconds);
                    await Task.Delay(delay, Wall, stoppingToken);
                    continue;
                }

                if (events.Count == settings.RelayBatchSize)
                {
                    continue;
                }
            }

            // Wait for a commit, the oldest round's confirms, or (an event held back behind an open transaction goes
            // out as soon as that one ends, usually within milliseconds) a short while.
            var pause = heldBack ? HeldBackRecheck : settings.RelayPollInterval;
            await (unconfirmed.TryPeek(out var next)
                ? Task.WhenAny(wake, next.Confirmed, Task.Delay(pause, Wall, stoppingToken))
                : Task.WhenAny(wake, Task.Delay(pause, Wall, stoppingToken)));
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Drops the rounds still waiting for confirms, observing their outcome so none goes unobserved.</summary>
    private static async Task ForgetAsync(Queue<(EventCursor Last, int Count, Task Confirmed)> unconfirmed)
    {
        while (unconfirmed.TryDequeue(out var round))
        {
            try
            {
                await round.Confirmed;
            }
            catch (Exception)
            {
                // The round is published again from the checkpoint.
            }
        }
    }

    private static List<OutgoingMessage> MessagesOf(List<RelayedEvent> events)
    {
        var messages = new List<OutgoingMessage>(events.Count + 8);
        foreach (var relayed in events)
        {
            messages.Add(BrokerMessages.ForEvent(relayed));
            foreach (var job in relayed.Jobs)
            {
                messages.Add(BrokerMessages.ForDelivery(new DeliveryMessage(job.JobId, relayed.ApprovalId, job.AttemptsMade + 1, job.DueAt)));
            }
        }

        return messages;
    }

    private static async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, Wall, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event relay active (publishing to RabbitMQ after position {Position})")]
    private static partial void LogActive(ILogger logger, long position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event relay standing by: another process's relay is active")]
    private static partial void LogStandingBy(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event relay published {Count} event(s) up to position {Position}")]
    private static partial void LogPublished(ILogger logger, int count, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event relay cannot publish to RabbitMQ ({ExceptionType}: {Reason}); publishing again from the checkpoint in {DelayMs} ms")]
    private static partial void LogBrokerUnavailable(ILogger logger, string exceptionType, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event relay lost the database ({ExceptionType}: {Reason}); retrying shortly")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string exceptionType, string reason);
}
