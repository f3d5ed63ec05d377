using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Approvals.Api.Features;

/// <summary>
/// Deletes expired <c>Idempotency-Key</c> records every <see cref="IdempotencyOptions.SweepInterval"/>, in every
/// ApprovalService process (sweeps at once skip each other's rows), in batches (each one short statement on the <c>created_at</c> index). Expired keys already no
/// longer hold (<see cref="IdempotencyOptions.Holds"/>): the sweep only keeps the table small.
/// </summary>
public sealed partial class IdempotencyKeySweeper(
    IServiceProvider services, IOptions<IdempotencyOptions> options, TimeProvider clock, ILogger<IdempotencyKeySweeper> logger) : BackgroundService
{
    /// <summary>Rows one statement deletes at most, so no sweep holds many row locks or runs long.</summary>
    public const int BatchSize = 1000;

    // Real time for the wait: tests move their clock by days.
    private static readonly TimeProvider Wall = TimeProvider.System;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.SweepInterval, Wall, stoppingToken);

                // Resolved once the host runs: the data source needs the connection string, which start-up validates first.
                var dataSource = services.GetRequiredService<NpgsqlDataSource>();
                var expiredBefore = settings.ExpiredBefore(clock.GetUtcNow());
                var deleted = 0;
                int batch;
                do
                {
                    batch = await IdempotencyStore.SweepExpiredAsync(dataSource, expiredBefore, BatchSize, stoppingToken);
                    deleted += batch;
                }
                while (batch == BatchSize);

                if (deleted > 0)
                {
                    LogSwept(logger, deleted);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (ApiExceptionHandler.IsDatabaseUnavailable(exception))
            {
                // The next sweep tries again; expired keys no longer hold meanwhile.
                LogSweepFailed(logger, exception.GetType().Name);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Not worth stopping the host for: the table only grows until a sweep succeeds.
                LogSweepError(logger, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired Idempotency-Key record(s)")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired Idempotency-Key records failed ({ExceptionType}); trying again at the next sweep")]
    private static partial void LogSweepFailed(ILogger logger, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping expired Idempotency-Key records failed; trying again at the next sweep")]
    private static partial void LogSweepError(ILogger logger, Exception exception);
}
