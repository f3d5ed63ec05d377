using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Messaging;

/// <summary>The worker's recording side: attempts that finished, recorded in batches, then followed up.</summary>
public sealed partial class DeliveryWorker
{
    /// <summary>
    /// Records what finished, batch by batch (one transaction each, up to <see cref="MaxConcurrentRecordings"/> at
    /// once), then publishes retries and acknowledges. Batches that run at once lock their approvals in id order, so
    /// they take turns on a shared approval as single recordings do and never wait on each other in a cycle.
    /// </summary>
    private async Task RecordUntilStoppedAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            while (await _finished.Reader.WaitToReadAsync(stoppingToken))
            {
                await _recordings.WaitAsync(stoppingToken);
                var batch = new List<(Received Delivery, AttemptToRecord Attempt)>();
                while (batch.Count < 256 && _finished.Reader.TryRead(out var finished))
                {
                    batch.Add(finished);
                }

                running.RemoveAll(task => task.IsCompleted);
                running.Add(RecordInTurnAsync(batch, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Unrecorded attempts are made again by whichever worker gets their messages next.
        }

        await Task.WhenAll(running);
    }

    private async Task RecordInTurnAsync(List<(Received Delivery, AttemptToRecord Attempt)> batch, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            if (batch.Count > 0)
            {
                await RecordBatchAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // As above.
        }
        finally
        {
            _recordings.Release();
        }
    }

    private async Task RecordBatchAsync(List<(Received Delivery, AttemptToRecord Attempt)> batch, CancellationToken stoppingToken)
    {
        JobNextState?[] states;
        while (true)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var recorder = scope.ServiceProvider.GetRequiredService<BrokerDeliveryRecorder>();
                states = await recorder.RecordAsync([.. batch.Select(b => b.Attempt)], stoppingToken);
                break;
            }
            catch (Exception exception) when (ApiExceptionHandler.IsDatabaseUnavailable(exception))
            {
                // The attempts happened; keep them (and their messages) until they can be recorded.
                LogDatabaseUnavailable(logger, exception.GetType().Name);
                await Task.Delay(DatabaseRetryDelay, Wall, stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRecordingFailed(logger, exception, batch.Count);
                foreach (var (delivery, _) in batch)
                {
                    await NackAsync(delivery);
                }

                return;
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var (delivery, attempt) = batch[i];
            if (states[i] is { State: DeliveryState.Pending, NextAttemptAt: { } next })
            {
                await FollowUpAsync(delivery, new DeliveryMessage(attempt.Job.Id, attempt.Job.ApprovalId, attempt.Job.Attempt + 1, next), stoppingToken);
            }
            else
            {
                await AckAsync(delivery);
            }
        }
    }
}
