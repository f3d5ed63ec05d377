using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence;

namespace Approvals.Api.Outbox;

/// <summary>
/// Hands a decision's jobs straight to this process's dispatcher (one per request scope). Without it a committed
/// job waits for the commit's notification to wake a dispatcher, for that dispatcher's claim, and only then goes out:
/// at moderate load that was most of a decision's time to its final status (docs/benchmarks.md). With a slot free,
/// the decision takes it before writing, writes its jobs already leased to this dispatcher (so no other claims them
/// and no notification is sent), and starts them once its transaction has committed. Nothing is lost if the process
/// dies in between: a leased job nobody finishes is taken over when its lease runs out, like any other.
/// </summary>
public sealed class DeliveryHandOff(DeliveryDispatcher dispatcher) : IDisposable
{
    private readonly List<ClaimedJob> _committing = [];
    private int _slotsHeld;

    /// <summary>
    /// Takes a slot for each of <paramref name="jobCount"/> jobs about to be written; returns the lease to write them
    /// under, or null when this process's dispatcher is not running or has not enough free slots (the jobs are then
    /// queued for a claim as usual).
    /// </summary>
    public HandOffLease? TryReserve(int jobCount)
    {
        if (jobCount == 0 || !dispatcher.TryTakeSlots(jobCount))
        {
            return null;
        }

        _slotsHeld += jobCount;
        return new HandOffLease(dispatcher.OwnerId, dispatcher.LeaseDuration);
    }

    /// <summary>A job the transaction wrote leased to this dispatcher, to start when it commits.</summary>
    public void Add(ClaimedJob job)
    {
        if (_committing.Count == _slotsHeld)
        {
            throw new InvalidOperationException("A job was written leased to this dispatcher without a slot reserved for it.");
        }

        _committing.Add(job);
    }

    /// <summary>
    /// Called by whoever commits the transaction, right after the commit: starts the jobs it wrote leased to this
    /// dispatcher and gives back the slots of the jobs that were queued instead (their first attempt is scheduled
    /// later).
    /// </summary>
    public void Committed()
    {
        if (_slotsHeld == 0)
        {
            return;
        }

        foreach (var job in _committing)
        {
            dispatcher.StartHandedOff(job);
        }

        // Each started job keeps its slot until it finishes.
        GiveBack(_slotsHeld - _committing.Count);
    }

    /// <summary>
    /// Gives back the slots of whatever was not started: the transaction rolled back, or its commit failed. (Should
    /// such a commit have succeeded after all, its jobs wait for their leases to run out.)
    /// </summary>
    public void Dispose() => GiveBack(_slotsHeld);

    private void GiveBack(int slots)
    {
        if (slots > 0)
        {
            dispatcher.ReturnSlots(slots);
        }

        _slotsHeld = 0;
        _committing.Clear();
    }
}
