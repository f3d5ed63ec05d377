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

    public Task RunAsync(Action wake, CancellationToken stoppingToken) =>
        NotificationChannels.ListenUntilStoppedAsync(
            dataSource, Channel, _ => wake(), () => LogListening(logger),
            exception => LogListenFailed(logger, exception.GetType().Name, exception.Message),
            ReconnectDelay, clock, stoppingToken);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listening for delivery job notifications")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery notifications unavailable ({ExceptionType}: {Reason}); relying on the sweep until reconnected")]
    private static partial void LogListenFailed(ILogger logger, string exceptionType, string reason);
}
