using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// Tells this process's timer loop about timers committed here that fall due before it planned to look again (one
/// per process). The loop plans its next look at the earliest stored timer or its poll interval, whichever comes
/// first; a create or an edit here that schedules an earlier one wakes it, so the loop need not wait for its poll.
/// Timers scheduled by other processes are found at the next poll (<c>Timers:PollInterval</c>).
/// </summary>
public sealed class TimerSignal
{
    private TaskCompletionSource _next = NewSource();
    private long _plannedTicks = long.MaxValue;

    /// <summary>
    /// Starts planning the next look: the task completes when a timer due before the planned time is committed. Call it
    /// before reading the next due time, then <see cref="Plan"/>; a commit in between wakes the loop at once.
    /// </summary>
    public Task BeginPlanning()
    {
        Volatile.Write(ref _plannedTicks, long.MaxValue);
        return Volatile.Read(ref _next).Task;
    }

    /// <summary>When the loop means to look again, if nothing earlier is scheduled.</summary>
    public void Plan(DateTimeOffset at) => Volatile.Write(ref _plannedTicks, at.UtcTicks);

    /// <summary>Wakes the loop once <paramref name="unit"/> has committed, when <paramref name="timers"/> fall due before its plan.</summary>
    public void AfterCommitOf(UnitOfWork unit, IReadOnlyList<ApprovalTimer> timers)
    {
        if (timers.Count > 0)
        {
            var earliest = timers.Min(t => t.DueAt).UtcTicks;
            unit.AfterCommit(() => Scheduled(earliest));
        }
    }

    private void Scheduled(long dueTicks)
    {
        if (dueTicks < Volatile.Read(ref _plannedTicks))
        {
            Interlocked.Exchange(ref _next, NewSource()).TrySetResult();
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
