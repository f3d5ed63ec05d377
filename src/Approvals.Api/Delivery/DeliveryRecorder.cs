using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Approvals;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Api.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Delivery;

/// <summary>
/// Writes what an attempt came to: the attempt log row, the job's next state (done, retry at a time, or failed),
/// and, when the job is done, the approval's resolution through the transition table. One transaction, so an
/// attempt is never recorded without its consequence.
/// </summary>
public sealed partial class DeliveryRecorder(ApprovalsDbContext db, TimeProvider clock, ILogger<DeliveryRecorder> logger, Events.ApprovalEventSignal events)
{
    public static readonly Caller Dispatcher = Caller.System("dispatcher");

    public const int MaxErrorLength = 2000;

    // Keep bench/pgbench/decide.sql in step with the recording's first round trip: ApprovalChangeReads.LockSql and
    // these statements.
    // completed_at and reported_status change only when the job finishes; next_attempt_at only when it is retried.
    private const string UpdateJobSql = """
        UPDATE delivery_jobs AS d
        SET state = $1, lease_expires_at = NULL, last_error = $2, last_error_code = $3,
            next_attempt_at = coalesce($4, d.next_attempt_at),
            completed_at = CASE WHEN $5 THEN $6 ELSE d.completed_at END,
            reported_status = CASE WHEN $5 THEN $7 ELSE d.reported_status END
        WHERE d.id = $8 AND d.state = 1 AND d.lease_owner = $9 AND d.attempts = $10
        RETURNING d.id
        """;

    private const string InsertAttemptSql = """
        INSERT INTO delivery_attempts (job_id, number, started_at, duration_ms, http_status, error, response_excerpt)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """;

    // Due now, and the claim's step of the retry schedule is given back: the attempt did not run its course.
    private const string ReleaseJobSql = """
        UPDATE delivery_jobs AS d
        SET state = 0, next_attempt_at = $1, lease_expires_at = NULL, schedule_step = d.schedule_step - 1
        WHERE d.id = $2 AND d.state = 1 AND d.lease_owner = $3 AND d.attempts = $4
        """;

    private const string StandingsSql = """
        SELECT d.id, d.service_rule_id, s.name, d.state, d.reported_status, d.last_error_code, d.last_error
        FROM delivery_jobs AS d
        JOIN service_rules AS s ON s.id = d.service_rule_id
        WHERE d.approval_id = $1 AND d.decision_id = $2
        """;

    /// <summary>Records the attempt and its consequences; true when the job is due again later (a retry was scheduled).</summary>
    public async Task<bool> RecordAsync(ClaimedJob job, string owner, ServiceRule rule, DeliveryAttemptOutcome outcome, CancellationToken cancellationToken)
    {
        // At the database's precision, so the approval's lastError.at (JSON, which keeps whatever it is given) reads
        // the same as the timestamp columns written with it.
        var now = Timestamps.ToDatabasePrecision(clock.GetUtcNow());
        var next = NextState(job, rule.RetrySchedule, outcome, now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (approval, stillOurs, standings) = await LockAndUpdateJobAsync(job, owner, next, outcome, now, cancellationToken);
        if (!stillOurs)
        {
            // Our lease ran out and another dispatcher took the job over, or a new decision superseded it: the
            // attempt happened, so it is logged, but its result no longer counts.
            LogLeaseLost(logger, job.Id, job.Attempt);
        }
        else if ((next.State is DeliveryState.Succeeded or DeliveryState.Failed) && approval is not null
                 && ResolveApproval(approval, job, rule, standings, now) is { } resolution)
        {
            await resolution.SaveAsync(db, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        events.Committed();
        LogRecorded(logger, job.Id, job.ApprovalId, job.ServiceRuleId, job.Attempt, outcome.Verdict, outcome.HttpStatus, next.State);
        return stillOurs && next.State == DeliveryState.Pending;
    }

    /// <summary>The dispatcher is stopping mid-attempt: log the attempt and hand the job back, due now, without using up a retry.</summary>
    public async Task ReleaseAsync(ClaimedJob job, string owner, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var aborted = new DeliveryAttemptOutcome(AttemptVerdict.Transient, startedAt, now - startedAt,
            Error: "Aborted: the dispatcher shut down during the attempt; the job was handed back.");
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await using (var batch = db.Database.CreateBatchInTransaction(
            InsertAttemptCommand(job, aborted),
            new NpgsqlBatchCommand(ReleaseJobSql)
            {
                Parameters =
                {
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
                    new NpgsqlParameter<Guid> { TypedValue = job.Id },
                    new NpgsqlParameter<string> { TypedValue = owner },
                    new NpgsqlParameter<int> { TypedValue = job.Attempt },
                },
            }))
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// One round trip for what the recording reads and the attempt's own writes: the approval's row, locked, so
    /// completions of one approval's jobs take turns on it and whichever finishes last sees all the others; the job's
    /// update, only while this attempt's claim still holds; the standings of the decision's jobs after it; and the
    /// attempt log row. Hand-written because it runs once per attempt (docs/benchmarks.md).
    /// </summary>
    private async Task<(Approval? Approval, bool StillOurs, List<(Guid JobId, JobStanding Standing)> Standings)> LockAndUpdateJobAsync(
        ClaimedJob job, string owner, (DeliveryState State, DateTimeOffset? NextAttemptAt, string? Error, string? ErrorCode) next,
        DeliveryAttemptOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var finished = next.State != DeliveryState.Pending;
        await using var batch = db.Database.CreateBatchInTransaction(
            new NpgsqlBatchCommand(ApprovalChangeReads.LockSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = job.ApprovalId } } },
            new NpgsqlBatchCommand(UpdateJobSql)
            {
                Parameters =
                {
                    new NpgsqlParameter<short> { TypedValue = (short)next.State },
                    new NpgsqlParameter<string?> { TypedValue = next.Error, NpgsqlDbType = NpgsqlDbType.Text },
                    new NpgsqlParameter<string?> { TypedValue = next.ErrorCode, NpgsqlDbType = NpgsqlDbType.Text },
                    new NpgsqlParameter<DateTimeOffset?> { TypedValue = next.NextAttemptAt, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new NpgsqlParameter<bool> { TypedValue = finished },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
                    new NpgsqlParameter<short?> { TypedValue = (short?)outcome.ReportedStatus, NpgsqlDbType = NpgsqlDbType.Smallint },
                    new NpgsqlParameter<Guid> { TypedValue = job.Id },
                    new NpgsqlParameter<string> { TypedValue = owner },
                    new NpgsqlParameter<int> { TypedValue = job.Attempt },
                },
            },
            new NpgsqlBatchCommand(StandingsSql)
            {
                Parameters = { new NpgsqlParameter<Guid> { TypedValue = job.ApprovalId }, new NpgsqlParameter<Guid> { TypedValue = job.DecisionId } },
            },
            InsertAttemptCommand(job, outcome));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var approval = await reader.ReadAsync(cancellationToken) ? ApprovalReader.ReadApprovalRow(reader) : null;
        await reader.NextResultAsync(cancellationToken);
        var stillOurs = await reader.ReadAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var standings = new List<(Guid, JobStanding)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            standings.Add((reader.GetGuid(0), new JobStanding(
                reader.GetInt32(1),
                reader.GetString(2),
                (DeliveryState)reader.GetInt16(3),
                reader.IsDBNull(4) ? null : (ApprovalStatus)reader.GetInt16(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6))));
        }

        return (approval, stillOurs, standings);
    }

    /// <summary>The approval's change when this job's outcome resolves its decision through the transition table; null when it does not.</summary>
    private ApprovalWrite? ResolveApproval(Approval approval, ClaimedJob job, ServiceRule rule, List<(Guid JobId, JobStanding Standing)> standings, DateTimeOffset now)
    {
        if (approval.CurrentDecisionId != job.DecisionId)
        {
            return null;
        }

        // This job first, so that when it failed the approval's error names it.
        var ordered = standings.OrderBy(s => s.JobId == job.Id ? 0 : 1).Select(s => s.Standing).ToList();
        if (DeliveryResolution.Resolve(ordered, now) is not { } resolution)
        {
            return null;
        }

        // The change goes through the transition table and the workflow's history like every other, with the
        // version read under the lock as its concurrency token.
        var type = resolution.Command == ApprovalCommand.DeliveryFailed ? ApprovalEventType.Errored : ApprovalEventType.Resolved;
        var details = new JsonObject { ["decisionId"] = job.DecisionId.ToString() };
        var applied = ApprovalWorkflow.ApplyStatusCommand(approval, resolution.Command, Dispatcher, type, resolution.Error, details, now);
        if (!applied.IsSuccess)
        {
            // Typically the approval is already in ERROR because a sibling job failed first; this job's own state
            // (such as a success) is kept on the job.
            LogResolutionRefused(logger, job.ApprovalId, resolution.Command.ToWireName(), approval.Status.ToWireName());
            return null;
        }

        LogResolved(logger, job.ApprovalId, approval.PreviousStatus?.ToWireName(), approval.Status.ToWireName(), rule.Id);
        return applied.Value;
    }

    private static NpgsqlBatchCommand InsertAttemptCommand(ClaimedJob job, DeliveryAttemptOutcome outcome) => new(InsertAttemptSql)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid> { TypedValue = job.Id },
            new NpgsqlParameter<int> { TypedValue = job.Attempt },
            new NpgsqlParameter<DateTimeOffset> { TypedValue = outcome.StartedAt },
            new NpgsqlParameter<int> { TypedValue = (int)Math.Min(int.MaxValue, Math.Max(0, outcome.Duration.TotalMilliseconds)) },
            new NpgsqlParameter<int?> { TypedValue = outcome.HttpStatus, NpgsqlDbType = NpgsqlDbType.Integer },
            new NpgsqlParameter<string?> { TypedValue = Truncate(outcome.Error), NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter<string?> { TypedValue = outcome.ResponseExcerpt, NpgsqlDbType = NpgsqlDbType.Text },
        },
    };

    private static (DeliveryState State, DateTimeOffset? NextAttemptAt, string? Error, string? ErrorCode) NextState(
        ClaimedJob job, IReadOnlyList<int> schedule, DeliveryAttemptOutcome outcome, DateTimeOffset now)
    {
        switch (outcome.Verdict)
        {
            case AttemptVerdict.Succeeded:
                return (DeliveryState.Succeeded, null, null, null);
            case AttemptVerdict.Transient:
                if (RetryDelays.Next(schedule, job.ScheduleStep, outcome.RetryAfter, Random.Shared.NextDouble()) is { } delay)
                {
                    return (DeliveryState.Pending, now + delay, Truncate(outcome.Error), null);
                }

                return (DeliveryState.Failed, null,
                    Truncate($"Gave up after {job.ScheduleStep} attempt(s) of the retry schedule; the last one: {outcome.Error}"),
                    ErrorCodes.DeliveryRetriesExhausted);
            default:
                return (DeliveryState.Failed, null, Truncate(outcome.Error), outcome.ErrorCode ?? ErrorCodes.DeliveryRejected);
        }
    }

    private static string? Truncate(string? value) => value is { Length: > MaxErrorLength } ? value[..MaxErrorLength] : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery job {JobId} (approval {ApprovalId}, service rule {ServiceRuleId}) attempt {Attempt}: {Verdict}, HTTP {HttpStatus}; job is now {State}")]
    private static partial void LogRecorded(ILogger logger, Guid jobId, Guid approvalId, int serviceRuleId, int attempt, AttemptVerdict verdict, int? httpStatus, DeliveryState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery job {JobId} attempt {Attempt} finished after its claim was lost (lease expired or superseded); its result is ignored")]
    private static partial void LogLeaseLost(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} resolved by delivery: {FromStatus} -> {ToStatus} (last job: service rule {ServiceRuleId})")]
    private static partial void LogResolved(ILogger logger, Guid approvalId, string? fromStatus, string toStatus, int serviceRuleId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Approval {ApprovalId}: {Command} not applied while {Status}")]
    private static partial void LogResolutionRefused(ILogger logger, Guid approvalId, string command, string status);
}
