using System.Collections.Concurrent;
using System.Threading.Channels;
using Approvals.Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Delivery;

/// <summary>
/// Sends the outbox. It claims due jobs (row locks with SKIP LOCKED plus a lease, so several dispatchers share one
/// database and a dead one's jobs are taken over when its lease runs out), runs up to
/// <see cref="DeliveryOptions.MaxConcurrency"/> at a time, and sleeps until woken by a commit (LISTEN/NOTIFY), by a
/// finished job when due jobs were waiting for its slot or it is due again itself, or by the next job falling due,
/// never longer than the sweep interval. On shutdown it stops
/// claiming and lets running attempts finish until the host's shutdown timeout; attempts still running then are
/// aborted and their jobs handed back.
/// </summary>
public sealed partial class DeliveryDispatcher(
    IServiceScopeFactory scopes,
    DeliveryQueue queue,
    DeliveryNotificationListener listener,
    IOptions<DeliveryOptions> options,
    TimeProvider clock,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly CancellationTokenSource _abort = new();

    // Whether the last claim may have left due jobs behind for lack of a free slot: only then does a finishing job
    // wake the loop to claim again. Otherwise the loop has nothing to do until a commit notifies it, a timer runs
    // out or a job's own due time changes, and waking it on every finished job doubled the claims (each one a query
    // plus a next-due query) at moderate load.
    private volatile bool _dueLeftBehind = true;

    /// <summary>This dispatcher's name in job leases.</summary>
    public string OwnerId { get; } = options.Value.ResolveOwnerId();

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
        if (!settings.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        LogStarted(logger, OwnerId, settings.MaxConcurrency);
        var listening = listener.RunAsync(Wake, stoppingToken);
        try
        {
            await DispatchUntilStoppedAsync(settings, stoppingToken);
        }
        finally
        {
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
                var free = settings.MaxConcurrency - _running.Count;
                if (free <= 0)
                {
                    sleep = settings.SweepInterval; // A finishing job wakes us.
                }
                else
                {
                    var claim = await queue.ClaimAsync(
                        OwnerId, free, clock.GetUtcNow(), settings.LeaseDuration, [.. _running.Keys], stoppingToken);
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

            // A job due again (a retry, a handed-back or crashed attempt) changes when the loop must wake next.
            if (dueAgain || _dueLeftBehind)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery dispatcher disabled (Delivery:Enabled=false or --role api)")]
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
