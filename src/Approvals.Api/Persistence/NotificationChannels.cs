using Npgsql;

namespace Approvals.Api.Persistence;

/// <summary>
/// The PostgreSQL notification channels the service uses, and its LISTEN and NOTIFY statements: the outbox's
/// listeners and the event feed's signal call these instead of writing SQL of their own.
/// </summary>
public static class NotificationChannels
{
    /// <summary>Delivery jobs were queued (delivery_jobs' insert trigger) or made due again (a redelivery).</summary>
    public const string DeliveryJobs = "delivery_jobs";

    /// <summary>Approval events committed in another process (the event feed's signal).</summary>
    public const string ApprovalEvents = "approval_events";

    /// <summary>Subscribes <paramref name="connection"/> (a session of its own) to <paramref name="channel"/>.</summary>
    public static async Task ListenAsync(NpgsqlConnection connection, string channel, CancellationToken cancellationToken)
    {
        await using var listen = new NpgsqlCommand($"LISTEN {Checked(channel)}", connection);
        await listen.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Holds a LISTEN connection on <paramref name="channel"/> until <paramref name="stoppingToken"/> fires, calling
    /// <paramref name="notified"/> with every notification's payload, and with null after every (re)connect
    /// (notifications sent while disconnected are lost). A failed connection is retried after
    /// <paramref name="reconnectDelay"/>, measured on <paramref name="delayClock"/>. <paramref name="dataSource"/> must give sessions of their own: LISTEN belongs to one
    /// physical connection, which a multiplexing data source does not promise.
    /// </summary>
    public static async Task ListenUntilStoppedAsync(
        NpgsqlDataSource dataSource, string channel, Action<string?> notified, Action onListening, Action<Exception> onFailure,
        TimeSpan reconnectDelay, TimeProvider delayClock, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, notification) => notified(notification.Payload);
                await ListenAsync(connection, channel, stoppingToken);
                onListening();
                notified(null);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                onFailure(exception);
                try
                {
                    await Task.Delay(reconnectDelay, delayClock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Notifies <paramref name="channel"/> with <paramref name="payload"/>, on its own, outside any transaction.</summary>
    public static async Task NotifyAsync(NpgsqlDataSource dataSource, string channel, string payload, CancellationToken cancellationToken)
    {
        await using var notify = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Checked(channel) });
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    // Channel names go into the statement as identifiers (LISTEN takes no parameter): only the known ones.
    private static string Checked(string channel) => channel is DeliveryJobs or ApprovalEvents
        ? channel
        : throw new ArgumentException($"Unknown notification channel {channel}.", nameof(channel));
}
