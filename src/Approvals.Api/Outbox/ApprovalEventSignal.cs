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
/// Each process's <see cref="ApprovalEventListener"/> turns them into <see cref="Wake"/>, except the process's own
/// (<see cref="Notified"/>): its waiters were woken at its commit, and a second wake a few milliseconds later would
/// only answer the feed's long polls twice and drop the inbox counts read in between (Features/InboxCountsCache.cs).
/// </summary>
public sealed partial class ApprovalEventSignal(NpgsqlDataSource dataSource, ILogger<ApprovalEventSignal> logger) : IEventsCommittedObserver
{
    public const string Channel = NotificationChannels.ApprovalEvents;

    /// <summary>The most often one process notifies the others; a commit waits at most this long for its notification.</summary>
    public static readonly TimeSpan NotifyInterval = TimeSpan.FromMilliseconds(20);

    // Real time, not the injected clock: the interval is about network traffic, and tests move their clock by days.
    private static readonly TimeProvider Wall = TimeProvider.System;

    /// <summary>The payload of this process's notifications, so that its own listener can tell them from others'.</summary>
    private readonly string _origin = Guid.NewGuid().ToString("N");

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

    /// <summary>
    /// A notification on the channel arrived with <paramref name="payload"/> (null: the listener (re)connected, and
    /// notifications may have been missed): wakes the waiters unless this process sent it.
    /// </summary>
    public void Notified(string? payload)
    {
        if (payload != _origin)
        {
            Wake();
        }
    }

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
            await NotificationChannels.NotifyAsync(dataSource, Channel, _origin, CancellationToken.None);
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
