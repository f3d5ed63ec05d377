using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence;
using Npgsql;

namespace Approvals.Api.Outbox;

/// <summary>
/// Wakes the feed's long polls when events commit. Code that commits events is told right after
/// its commit (<see cref="EventsCommitted"/>, told by the unit of work): that wakes this process's waiters at once and, for the other processes on the database, sends
/// <c>NOTIFY approval_events</c> on a connection of its own, outside any write transaction (a NOTIFY inside one
/// would serialise the commits of every notifying transaction; see the NotifyOnlyForQueuedJobs migration). Those
/// notifications are coalesced to at most one per <see cref="NotifyInterval"/>: a burst of commits costs one.
/// Each process's <see cref="ApprovalEventListener"/> turns them into <see cref="Wake"/>.
/// </summary>
public sealed partial class ApprovalEventSignal(NpgsqlDataSource dataSource, ILogger<ApprovalEventSignal> logger) : IEventsCommittedObserver
{
    public const string Channel = NotificationChannels.ApprovalEvents;

    /// <summary>The most often one process notifies the others; a commit waits at most this long for its notification.</summary>
    public static readonly TimeSpan NotifyInterval = TimeSpan.FromMilliseconds(20);

    // Real time, not the injected clock: the interval is about network traffic, and tests move their clock by days.
    private static readonly TimeProvider Wall = TimeProvider.System;

    private TaskCompletionSource _next = NewSource();
    private int _notifyScheduled;
    private long _lastNotifiedAt;

    /// <summary>
    /// Completes at the next wake. Take it before reading the feed, then wait on it: a commit between the read and the
    /// wait still completes it, so no commit goes unnoticed.
    /// </summary>
    public Task NextWake => Volatile.Read(ref _next).Task;

    /// <summary>Events committed in this process (a unit of work tells it): wake its waiters, and the other processes' soon.</summary>
    public void EventsCommitted()
    {
        Wake();
        if (Interlocked.Exchange(ref _notifyScheduled, 1) == 0)
        {
            _ = NotifyOthersAsync();
        }
    }

    /// <summary>Wakes this process's waiters (another process committed, or a notification may have been missed).</summary>
    public void Wake() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private async Task NotifyOthersAsync()
    {
        try
        {
            var sinceLast = Wall.GetElapsedTime(Volatile.Read(ref _lastNotifiedAt));
            if (sinceLast < NotifyInterval)
            {
                await Task.Delay(NotifyInterval - sinceLast, Wall);
            }

            // From here on a commit schedules another notification: this one may be sent before that commit ended.
            Volatile.Write(ref _lastNotifiedAt, Wall.GetTimestamp());
            Volatile.Write(ref _notifyScheduled, 0);
            await NotificationChannels.NotifyAsync(dataSource, Channel, CancellationToken.None);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException or InvalidOperationException or ObjectDisposedException)
        {
            // Nothing is lost: other processes' long polls answer at their timeout instead (this process's were woken).
            Volatile.Write(ref _notifyScheduled, 0);
            LogNotifyFailed(logger, exception.GetType().Name, exception.Message);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify other processes of committed events ({ExceptionType}: {Reason})")]
    private static partial void LogNotifyFailed(ILogger logger, string exceptionType, string reason);
}
