using Approvals.Api.Persistence;
using Npgsql;

namespace Approvals.Api.Outbox;

/// <summary>
/// Holds a <c>LISTEN delivery_jobs</c> connection (the table's insert trigger and the retry endpoint NOTIFY it), so
/// a dispatcher wakes the moment a decision commits. The connection comes from the session data source: LISTEN
/// belongs to one physical connection, which the main (multiplexing) data source does not promise. Reconnects after failures; each (re)connect also wakes the
/// dispatcher, since notifications sent while disconnected are lost.
/// </summary>
public sealed partial class DeliveryNotificationListener(
    [FromKeyedServices(DatabaseSetup.SessionDataSource)] NpgsqlDataSource dataSource, TimeProvider clock, ILogger<DeliveryNotificationListener> logger)
{
    public const string Channel = NotificationChannels.DeliveryJobs;

    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    public async Task RunAsync(Action wake, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => wake();
                await NotificationChannels.ListenAsync(connection, Channel, stoppingToken);

                LogListening(logger);
                wake();
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
                LogListenFailed(logger, exception.GetType().Name, exception.Message);
                try
                {
                    await Task.Delay(ReconnectDelay, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listening for delivery job notifications")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery notifications unavailable ({ExceptionType}: {Reason}); relying on the sweep until reconnected")]
    private static partial void LogListenFailed(ILogger logger, string exceptionType, string reason);
}
