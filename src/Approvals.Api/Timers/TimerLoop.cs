using Approvals.Api.Features;
using Approvals.Api.Http;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Timers;

/// <summary>
/// Fires the durable timers of approvals (deadlines that act, reminders) in every process that delivers
/// (<c>Delivery:Enabled</c>: role <c>all</c> or <c>worker</c>, on either transport). Each pass is one transaction
/// (<see cref="DeadlineTimers"/>): it locks up to <see cref="TimerOptions.BatchSize"/> approvals with due timers,
/// skipping those another transaction holds (so any number of loops split the work), takes their due timers and
/// writes what they did; a process that dies in between leaves the timers to the next claim, by any loop. The loop
/// sleeps until the earliest timer falls due, for at most <see cref="TimerOptions.PollInterval"/> (other processes'
/// timers are found then), or until a commit in this process schedules an earlier timer (<see cref="TimerSignal"/>).
/// An approval whose timers keep failing to fire is left out for <see cref="TimerOptions.FailedRetryDelay"/>, so it
/// cannot hold the others back.
/// </summary>
public sealed partial class TimerLoop(
    IServiceScopeFactory scopes,
    ApprovalStore approvals,
    TimerSignal signal,
    IOptions<TimerOptions> options,
    IOptions<DeliveryOptions> delivery,
    TimeProvider clock,
    ILogger<TimerLoop> logger) : BackgroundService
{
    // Real time for these waits: they are about other transactions and the network, and tests move their clock by days.
    private static readonly TimeProvider Wall = TimeProvider.System;
    private static readonly TimeSpan ContentionBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(2);

    private readonly Dictionary<Guid, DateTimeOffset> _leftOut = [];
    private int _singlePasses;
    private long _acted;

    /// <summary>Timers this process's loop has fired that acted (a deadline's action taken, a reminder raised).</summary>
    public long TimersActed => Interlocked.Read(ref _acted);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!delivery.Value.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        var settings = options.Value;
        LogStarted(logger, settings.BatchSize);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = signal.BeginPlanning();
            try
            {
                var limit = _singlePasses > 0 ? 1 : settings.BatchSize;
                var pass = await PassAsync(limit, stoppingToken);
                if (pass.Approvals == limit)
                {
                    continue; // More may be due.
                }

                var now = clock.GetUtcNow();
                var next = await approvals.NextTimerDueAsync(LeftOut(now), stoppingToken);
                if (next <= now)
                {
                    // Due timers of approvals another transaction holds: look again shortly.
                    await Task.Delay(ContentionBackoff, Wall, stoppingToken);
                    continue;
                }

                var wakeAt = Earliest(now + settings.PollInterval, next, _leftOut.Count > 0 ? _leftOut.Values.Min() : null);
                signal.Plan(wakeAt);
                await SleepAsync(wakeAt, settings.PollInterval, wake, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Keep firing whatever happened: a dead loop would leave every deadline unattended.
                if (ApiExceptionHandler.IsDatabaseUnavailable(exception))
                {
                    LogDatabaseUnavailable(logger, exception.GetType().Name);
                }
                else
                {
                    LogPassFailed(logger, exception);
                }

                await Task.Delay(FailureBackoff, Wall, stoppingToken).ContinueWith(
                    static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One transaction: claim, fire, commit. A pass that fails narrows the next ones down to find the culprit.</summary>
    private async Task<TimerPass> PassAsync(int limit, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        var timers = scope.ServiceProvider.GetRequiredService<DeadlineTimers>();
        var claimed = new List<Guid>();
        try
        {
            var pass = await timers.FireDueAsync(limit, Math.Max(4 * limit, 64), LeftOut(clock.GetUtcNow()), claimed, stoppingToken);
            await unit.CommitAsync(CancellationToken.None);
            if (pass.Approvals > 0 && _singlePasses > 0)
            {
                _singlePasses--;
            }

            Interlocked.Add(ref _acted, pass.Acted);
            if (pass.Approvals > 0)
            {
                LogPass(logger, pass.Approvals, pass.Acted, pass.Stale, pass.NothingToDo);
            }

            return pass;
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested && !ApiExceptionHandler.IsDatabaseUnavailable(exception))
        {
            if (claimed.Count == 1)
            {
                _leftOut[claimed[0]] = clock.GetUtcNow() + options.Value.FailedRetryDelay;
                LogLeftOut(logger, exception, claimed[0], options.Value.FailedRetryDelay);
            }
            else if (claimed.Count > 1)
            {
                // One approval at a time until each of these has had a pass of its own.
                _singlePasses = claimed.Count;
            }

            throw;
        }
    }

    /// <summary>The approvals left out at <paramref name="now"/>; those whose time is up are let back in.</summary>
    private Guid[] LeftOut(DateTimeOffset now)
    {
        foreach (var (id, until) in _leftOut.Where(e => e.Value <= now).ToList())
        {
            _leftOut.Remove(id);
        }

        return [.. _leftOut.Keys];
    }

    /// <summary>
    /// Sleeps until the next timer is due (on the service's clock), until a commit here wakes the loop, or for the
    /// poll interval of real time, whichever comes first. The poll runs on real time so that it also bounds a sleep
    /// whose timer was set against a clock that moved on meanwhile (a test's fake clock, moved by hours at once).
    /// </summary>
    private async Task SleepAsync(DateTimeOffset wakeAt, TimeSpan poll, Task wake, CancellationToken stoppingToken)
    {
        using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var due = Task.Delay(Max(wakeAt - clock.GetUtcNow(), TimeSpan.Zero), clock, sleeping.Token);

        // The clock may have passed the wake time while the delay was set (its timer then runs from the later time).
        if (clock.GetUtcNow() < wakeAt)
        {
            await Task.WhenAny(due, Task.Delay(poll, Wall, sleeping.Token), wake.WaitAsync(sleeping.Token));
        }

        // The loser ends cancelled, which needs no observing.
        await sleeping.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static DateTimeOffset Earliest(DateTimeOffset first, params DateTimeOffset?[] others) =>
        others.Aggregate(first, (earliest, other) => other is { } at && at < earliest ? at : earliest);

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer loop not running (Delivery:Enabled=false, or --role api): other processes fire deadlines and reminders")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer loop started, up to {BatchSize} approvals per pass")]
    private static partial void LogStarted(ILogger logger, int batchSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "Timers of {Approvals} approval(s) fired: {Acted} acted, {Stale} stale, {NothingToDo} with nothing to do")]
    private static partial void LogPass(ILogger logger, int approvals, int acted, int stale, int nothingToDo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer loop cannot reach the database ({ExceptionType}); retrying shortly")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer loop pass failed; retrying shortly")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The timers of approval {ApprovalId} failed to fire; it is left out for {Delay}")]
    private static partial void LogLeftOut(ILogger logger, Exception exception, Guid approvalId, TimeSpan delay);
}
