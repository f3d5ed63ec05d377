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
/// session ends. A round reads the settled events after the checkpoint in feed order (with the jobs a decision or a
/// redelivery queued), publishes each event to <c>approvals.events</c> and each queued job to the delivery queue,
/// waits for the broker's confirms, and only then moves the checkpoint: a relay that dies between the confirms and
/// the checkpoint publishes those events again, with the same message ids. While the broker is away the relay keeps
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

        // Jobs whose attempt went out ahead of their event (see JobsAheadOfOrder), until their event is relayed.
        var sentAhead = new HashSet<(Guid EventId, Guid JobId)>();
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the read, so a commit between the read and the wait still wakes the wait.
            var wake = signal.NextWake;
            var read = await ApprovalEventStore.ReadForRelayAsync(session, checkpoint, settings.RelayBatchSize, stoppingToken);
            var events = read.Settled;
            var ahead = JobsAheadOfOrder(read.HeldBack, sentAhead);
            if (events.Count > 0 || ahead.Count > 0)
            {
                try
                {
                    await publisher.PublishAsync(MessagesOf(events, ahead, sentAhead), stoppingToken);
                }
                catch (Exception exception) when (BrokerBackoff.IsBrokerFailure(exception, stoppingToken))
                {
                    var delay = backoff.Next();
                    LogBrokerUnavailable(logger, events.Count, exception.GetType().Name, exception.Message, delay.TotalMilliseconds);
                    await Task.Delay(delay, Wall, stoppingToken);
                    continue;
                }

                backoff.Reset();
                foreach (var (relayed, job) in ahead)
                {
                    sentAhead.Add((relayed.Id, job.JobId));
                }
            }

            if (events.Count > 0)
            {
                if (sentAhead.Count > 0)
                {
                    // By event, not by the jobs read now: a job sent ahead may have finished since.
                    var relayedIds = events.Select(relayed => relayed.Id).ToHashSet();
                    sentAhead.RemoveWhere(sent => relayedIds.Contains(sent.EventId));
                }

                checkpoint = events[^1].Cursor;
                await EventRelayStore.SaveCheckpointAsync(session, CheckpointName, checkpoint.Value, clock.GetUtcNow(), stoppingToken);
                Interlocked.Add(ref _published, events.Count);
                LogPublished(logger, events.Count, checkpoint.Value.Position);
                if (events.Count + read.HeldBack.Count == settings.RelayBatchSize)
                {
                    continue;
                }
            }

            // A committed event held back behind an open transaction goes out as soon as that one ends, which is
            // usually within milliseconds: look again at the next commit, or shortly.
            await Task.WhenAny(wake, Task.Delay(read.HeldBack.Count > 0 ? HeldBackRecheck : settings.RelayPollInterval, Wall, stoppingToken));
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// The jobs of committed events that the feed order still holds back behind an older open transaction, not sent
    /// yet. A delivery needs no order among approvals, and the older transaction is often a worker's recording of
    /// other attempts: waiting for it was most of a delivery's tail. So the attempt goes out now and the event
    /// later, in order; its jobs are then skipped. A relay that stops in between forgets what it sent ahead, and the
    /// next one sends those attempts again: the worker makes an attempt only when it is the job's next one.
    /// </summary>
    private static List<(RelayedEvent Event, QueuedJob Job)> JobsAheadOfOrder(
        List<RelayedEvent> heldBack, HashSet<(Guid EventId, Guid JobId)> sentAhead)
    {
        var ahead = new List<(RelayedEvent, QueuedJob)>();
        foreach (var relayed in heldBack)
        {
            foreach (var job in relayed.Jobs)
            {
                if (!sentAhead.Contains((relayed.Id, job.JobId)))
                {
                    ahead.Add((relayed, job));
                }
            }
        }

        return ahead;
    }

    private static List<OutgoingMessage> MessagesOf(
        List<RelayedEvent> events, List<(RelayedEvent Event, QueuedJob Job)> ahead, HashSet<(Guid EventId, Guid JobId)> sentAhead)
    {
        var messages = new List<OutgoingMessage>(events.Count + ahead.Count + 8);
        foreach (var (relayed, job) in ahead)
        {
            messages.Add(DeliveryOf(relayed.ApprovalId, job));
        }

        foreach (var relayed in events)
        {
            messages.Add(BrokerMessages.ForEvent(relayed));
            foreach (var job in relayed.Jobs)
            {
                if (!sentAhead.Contains((relayed.Id, job.JobId)))
                {
                    messages.Add(DeliveryOf(relayed.ApprovalId, job));
                }
            }
        }

        return messages;
    }

    private static OutgoingMessage DeliveryOf(Guid approvalId, QueuedJob job) =>
        BrokerMessages.ForDelivery(new DeliveryMessage(job.JobId, approvalId, job.AttemptsMade + 1, job.DueAt));

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event relay cannot publish {Count} event(s) to RabbitMQ ({ExceptionType}: {Reason}); retrying in {DelayMs} ms")]
    private static partial void LogBrokerUnavailable(ILogger logger, int count, string exceptionType, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event relay lost the database ({ExceptionType}: {Reason}); retrying shortly")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string exceptionType, string reason);
}
