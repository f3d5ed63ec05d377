using System.Collections.Concurrent;
using System.Threading.Channels;
using Approvals.Api.Http;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Outbox;

/// <summary>
/// Sends the outbox. It claims due jobs (row locks with SKIP LOCKED plus a lease, so several dispatchers share one
/// database and a dead one's jobs are taken over when its lease runs out), runs up to
/// <see cref="DeliveryOptions.MaxConcurrency"/> at a time, and sleeps until woken by a commit (LISTEN/NOTIFY), by a
/// finished job when due jobs were waiting for its slot or it is due again itself, or by the next job falling due,
/// never longer than the sweep interval. A decision committed in this process with a slot free does not wait for
/// any of that: its jobs are written already leased to this dispatcher and handed over in memory
/// (<see cref="DeliveryHandOff"/>). On shutdown it stops claiming and lets running attempts finish until the host's
/// shutdown timeout; attempts still running then are aborted and their jobs handed back.
/// </summary>
public sealed partial class DeliveryDispatcher(
    IServiceScopeFactory scopes,
    DeliveryJobStore queue,
    DeliveryNotificationListener listener,
    IOptions<DeliveryOptions> options,
    IOptions<MessagingOptions> messaging,
    TimeProvider clock,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly CancellationTokenSource _abort = new();

    // Slots taken: one per running job, plus those the loop holds while it claims and those decisions hold while they
    // commit jobs leased to this dispatcher. Taken and given back atomically, so the two never overbook.
    private int _slotsTaken;

    // Whether decisions may hand jobs over: only while the loop runs, so a handed-over job is never left unstarted.
    private volatile bool _acceptingHandOffs;

    // Whether the last claim may have left due jobs behind for lack of a free slot: only then does a finishing job
    // wake the loop to claim again. Otherwise the loop has nothing to do until a commit notifies it, a timer runs
    // out or a job's own due time changes, and waking it on every finished job doubled the claims (each one a query
    // plus a next-due query) at moderate load.
    private volatile bool _dueLeftBehind = true;

    /// <summary>This dispatcher's name in job leases.</summary>
    public string OwnerId { get; } = options.Value.ResolveOwnerId();

    /// <summary>How long this dispatcher's leases last (at least a rule's timeout plus the margin).</summary>
    public TimeSpan LeaseDuration => options.Value.LeaseDuration;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host's shutdown timeout (the token) is the grace period for running attempts: base.StopAsync returns
        // when ExecuteAsync has finished or the grace period is over.
        LogStopping(logger, OwnerId, _running.Count);
        await base.StopAsync(cancellationToken);
        if (ExecuteTask is not { IsCompleted: false } running)
        {
            return;
        }

        // Past the grace period: abort, and let the aborted attempts hand their jobs back to the database, which the
        // host is about to dispose. Host shutdown runs on wall-clock time, so this bound does too.
        AbortRunningAttempts();
        await running.WaitAsync(HandBackTimeout, TimeProvider.System, CancellationToken.None).ContinueWith(
            static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled || messaging.Value.Transport != MessagingTransport.Postgres)
        {
            LogDisabled(logger);
            return;
        }

        LogStarted(logger, OwnerId, settings.MaxConcurrency);
        var listening = listener.RunAsync(Wake, stoppingToken);
        _acceptingHandOffs = true;
        using var stopAcceptingHandOffs = stoppingToken.Register(() => _acceptingHandOffs = false);
        try
        {
            await DispatchUntilStoppedAsync(settings, stoppingToken);
        }
        finally
        {
            _acceptingHandOffs = false;
            await listening;
            await Task.WhenAll(_running.Values);
            LogStopped(logger, OwnerId);
        }
    }

    private async Task DispatchUntilStoppedAsync(DeliveryOptions settings, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            while (_wake.Reader.TryRead(out _))
            {
                // Whatever woke us is covered by the claim below.
            }

            TimeSpan sleep;
            try
            {
                // Set before the slots are counted, so a job finishing from here on wakes the loop again.
                _dueLeftBehind = true;
                var free = TakeFreeSlots(settings.MaxConcurrency);
                if (free == 0)
                {
                    sleep = settings.SweepInterval; // A finishing job wakes us.
                }
                else
                {
                    DeliveryClaim? claim = null;
                    try
                    {
                        claim = await queue.ClaimAsync(
                            OwnerId, free, clock.GetUtcNow(), settings.LeaseDuration, [.. _running.Keys], stoppingToken);
                    }
                    finally
                    {
                        // Each claimed job keeps its slot until it finishes; the rest are free again.
                        Interlocked.Add(ref _slotsTaken, (claim?.Jobs.Count ?? 0) - free);
                    }

                    foreach (var job in claim.Jobs)
                    {
                        Start(job);
                    }

                    if (claim.Jobs.Count == free)
                    {
                        continue; // There may be more due; claim again as soon as a slot frees.
                    }

                    _dueLeftBehind = false;
                    sleep = TimeUntil(claim.NextDue, settings);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Keep dispatching whatever happened; a dead dispatcher would leave every approval waiting.
                if (ApiExceptionHandler.IsDatabaseUnavailable(exception))
                {
                    LogDatabaseUnavailable(logger, exception.GetType().Name);
                }
                else
                {
                    LogDispatchFailed(logger, exception);
                }

                sleep = FailureBackoff;
            }

            if (sleep > TimeSpan.Zero)
            {
                await SleepAsync(sleep, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="count"/> slots for jobs a decision is about to commit leased to this dispatcher; false
    /// (nothing taken) when this dispatcher is not running, has fewer slots free, or may have due jobs waiting for a
    /// slot: those go first, or a steady stream of decisions would keep taking the slots they wait for. The taker
    /// starts each job with <see cref="StartHandedOff"/> once committed and gives back the slots of any it does not
    /// start.
    /// </summary>
    internal bool TryTakeSlots(int count)
    {
        var maxConcurrency = options.Value.MaxConcurrency;
        while (_acceptingHandOffs && !_dueLeftBehind)
        {
            var taken = Volatile.Read(ref _slotsTaken);
            if (taken + count > maxConcurrency)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _slotsTaken, taken + count, taken) == taken)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Gives back slots: a finished job's, or those taken with <see cref="TryTakeSlots"/> for jobs that will not be
    /// started. Wakes the loop when due jobs may be waiting for them.
    /// </summary>
    internal void ReturnSlots(int count)
    {
        Interlocked.Add(ref _slotsTaken, -count);
        if (_dueLeftBehind)
        {
            Wake();
        }
    }

    /// <summary>
    /// Runs a committed job leased to this dispatcher in a slot taken with <see cref="TryTakeSlots"/>. Once the loop
    /// has stopped, the job is left to its lease: whichever dispatcher finds it expired sends it.
    /// </summary>
    internal void StartHandedOff(ClaimedJob job)
    {
        if (!_acceptingHandOffs)
        {
            ReturnSlots(1);
            return;
        }

        // The job outlives the request that committed it: it must not carry the request's context (its
        // HttpContext, trace and log scopes) along.
        using (ExecutionContext.SuppressFlow())
        {
            Start(job);
        }
    }

    /// <summary>Takes every free slot for a claim, and returns how many that is.</summary>
    private int TakeFreeSlots(int maxConcurrency)
    {
        while (true)
        {
            var taken = Volatile.Read(ref _slotsTaken);
            var free = Math.Max(0, maxConcurrency - taken);
            if (free == 0 || Interlocked.CompareExchange(ref _slotsTaken, taken + free, taken) == taken)
            {
                return free;
            }
        }
    }

    /// <summary>
    /// How long the loop may sleep when nothing else wakes it: until the next job falls due, at most the sweep
    /// interval.
    /// </summary>
    private TimeSpan TimeUntil(DateTimeOffset? nextDue, DeliveryOptions settings)
    {
        if (nextDue is not { } due)
        {
            return settings.SweepInterval;
        }

        var untilDue = due - clock.GetUtcNow();
        return untilDue < settings.SweepInterval ? untilDue : settings.SweepInterval;
    }

    private async Task SleepAsync(TimeSpan duration, CancellationToken stoppingToken)
    {
        using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(duration, clock, sleeping.Token);
        var woken = _wake.Reader.WaitToReadAsync(sleeping.Token).AsTask();
        await Task.WhenAny(timer, woken);

        // The loser ends cancelled, which needs no observing.
        await sleeping.CancelAsync();
    }

    private void Start(ClaimedJob job)
    {
        // The job is registered before it can run, so its own clean-up never races its registration.
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[job.Id] = RunJobAsync(job, registered.Task);
        registered.SetResult();
    }

    private async Task RunJobAsync(ClaimedJob job, Task registered)
    {
        await registered;
        var dueAgain = true;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var runner = scope.ServiceProvider.GetRequiredService<DeliveryJobRunner>();
            dueAgain = await runner.RunAsync(job, OwnerId, _abort.Token);
        }
        catch (Exception exception)
        {
            // The job keeps its lease and is taken over (and sent again, with the same webhook-id) when it runs out.
            LogJobCrashed(logger, exception, job.Id, job.Attempt);
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
            ReturnSlots(1);

            // A job due again (a retry, a handed-back or crashed attempt) changes when the loop must wake next.
            if (dueAgain)
            {
                Wake();
            }
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private void AbortRunningAttempts()
    {
        LogAborting(logger, OwnerId, _running.Count);
        _abort.Cancel();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery dispatcher {OwnerId} stopping; {Running} attempt(s) running")]
    private static partial void LogStopping(ILogger logger, string ownerId, int running);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery dispatcher {OwnerId}: shutdown grace period over, aborting {Running} attempt(s) and handing their jobs back")]
    private static partial void LogAborting(ILogger logger, string ownerId, int running);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery dispatcher not running (Delivery:Enabled=false, --role api, or the rabbitmq transport)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery dispatcher {OwnerId} started, up to {MaxConcurrency} jobs at a time")]
    private static partial void LogStarted(ILogger logger, string ownerId, int maxConcurrency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery dispatcher {OwnerId} stopped")]
    private static partial void LogStopped(ILogger logger, string ownerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery dispatcher cannot reach the database ({ExceptionType}); retrying shortly")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery dispatcher failed to claim jobs; retrying shortly")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery job {JobId} attempt {Attempt} failed unexpectedly; it will be taken over when its lease expires")]
    private static partial void LogJobCrashed(ILogger logger, Exception exception, Guid jobId, int attempt);
}
