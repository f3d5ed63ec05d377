namespace UserService.Faults;

/// <summary>What the fault switch is set to, and how many deliveries it has seen.</summary>
public sealed record FaultState(int FailNextRequests, int FailStatus, int DelayMs, long RequestsSeen);

/// <summary>
/// Makes the service misbehave on purpose, for demos and tests: every delivery waits <c>DelayMs</c> (on the
/// TimeProvider, abandoned if the caller gives up), then the next <c>FailNextRequests</c> deliveries are answered
/// with <c>FailStatus</c> before anything is checked or stored, like an outage in front of the service.
/// </summary>
public sealed class FaultSwitch(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private FaultSettings _settings = new();
    private long _requestsSeen;

    public FaultState State
    {
        get
        {
            lock (_gate)
            {
                return new FaultState(_settings.FailNextRequests, _settings.FailStatus, _settings.DelayMs, Interlocked.Read(ref _requestsSeen));
            }
        }
    }

    public void Set(FaultSettings settings)
    {
        lock (_gate)
        {
            _settings = new FaultSettings { FailNextRequests = settings.FailNextRequests, FailStatus = settings.FailStatus, DelayMs = settings.DelayMs };
        }
    }

    /// <summary>Applies the faults to one delivery: returns the status to fail it with, or null to handle it normally.</summary>
    public async Task<int?> ApplyAsync(CancellationToken requestAborted)
    {
        Interlocked.Increment(ref _requestsSeen);
        int delayMs;
        lock (_gate)
        {
            delayMs = _settings.DelayMs;
        }

        if (delayMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(delayMs), clock, requestAborted);
        }

        lock (_gate)
        {
            if (_settings.FailNextRequests <= 0)
            {
                return null;
            }

            _settings.FailNextRequests--;
            return _settings.FailStatus;
        }
    }
}
