using Approvals.Api;
using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence;
using Npgsql;

namespace Approvals.Api.Outbox;

/// <summary>
/// Holds one <c>LISTEN approval_events</c> connection per process (as DeliveryNotificationListener does for delivery
/// jobs) and wakes the local long polls (and the RabbitMQ transport's relay) when another process reports committed events. The connection is a session
/// of its own (no multiplexing, no pool), named in <c>pg_stat_activity</c> apart from the pool's. Reconnects after
/// failures; each (re)connect also wakes the waiters, since notifications sent while disconnected are lost.
/// </summary>
public sealed partial class ApprovalEventListener(
    [FromKeyedServices(EventSetup.ListenerDataSource)] NpgsqlDataSource dataSource,
    ApprovalEventSignal signal,
    ILogger<ApprovalEventListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time for the reconnect delay: it is about the network, and tests move their fake clock by days or not at all.
        await NotificationChannels.ListenUntilStoppedAsync(
            dataSource, NotificationChannels.ApprovalEvents, signal.Notified, () => LogListening(logger),
            exception => LogListenFailed(logger, exception.GetType().Name, exception.Message),
            ReconnectDelay, TimeProvider.System, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listening for approval event notifications")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval event notifications unavailable ({ExceptionType}: {Reason}); long polls see other processes' events only at their timeout until reconnected")]
    private static partial void LogListenFailed(ILogger logger, string exceptionType, string reason);
}
