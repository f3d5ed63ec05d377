using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// All SQL of <c>delivery_jobs</c> and <c>delivery_attempts</c> (the outbox): the jobs a decision queues or supersedes,
/// an attempt's outcome, a release, a redelivery, and (DeliveryJobStore.Claims.cs) the dispatchers' claims. Statements
/// are in <c>Sql/</c>; the hot ones are mirrored by bench/pgbench/decide.sql, which reads the same files.
/// </summary>
public sealed partial class DeliveryJobStore(NpgsqlDataSource dataSource)
{
    /// <summary>A job's lease is never shorter than its rule's timeout plus this, so a slow answer still counts.</summary>
    public static TimeSpan LeaseMargin { get; } = TimeSpan.FromSeconds(5);

    private static readonly SqlStatement SupersedeSql = SqlStatement.Get("DeliveryJobsSupersede");
    private static readonly SqlStatement InsertSql = SqlStatement.Get("DeliveryJobsInsert");
    private static readonly SqlStatement RecordSql = SqlStatement.Get("DeliveryJobRecord");
    private static readonly SqlStatement StandingsSql = SqlStatement.Get("DeliveryJobStandings");
    private static readonly SqlStatement AttemptSql = SqlStatement.Get("DeliveryAttemptInsert");
    private static readonly SqlStatement ReleaseSql = SqlStatement.Get("DeliveryJobRelease");
    private static readonly SqlStatement GetSql = SqlStatement.Get("DeliveryJobGet");
    private static readonly SqlStatement RedeliverSql = SqlStatement.Get("DeliveryJobRedeliver");
    private static readonly SqlStatement WakeSql = SqlStatement.Get("DeliveryJobsWake");

    /// <summary>The open jobs of an approval's earlier decision stop counting.</summary>
    internal static NpgsqlBatchCommand SupersedeCommand(Guid approvalId, DateTimeOffset at) =>
        SupersedeSql.BatchCommand(("approval_id", Value(approvalId)), ("completed_at", Value(at)));

    /// <summary>A decision's jobs (all of one decision), leased to <paramref name="handOff"/>'s dispatcher when it is set.</summary>
    internal static NpgsqlBatchCommand InsertCommand(IReadOnlyList<DeliveryJob> jobs, HandOffLease? handOff)
    {
        var first = jobs[0];
        return InsertSql.BatchCommand(
            ("job_ids", Value<Guid[]>([.. jobs.Select(j => j.Id)])),
            ("approval_id", Value(first.ApprovalId)),
            ("decision_id", Value(first.DecisionId)),
            ("requested_status", Value((short)first.RequestedStatus)),
            ("created_at", Value(first.CreatedAt)),
            ("service_rules", Value<int[]>([.. jobs.Select(j => j.ServiceRuleId)])),
            ("lease_owner", Text(handOff?.Owner)),
            ("lease_duration", Value(handOff?.Duration ?? TimeSpan.Zero)),
            ("lease_margin", Value(LeaseMargin)),
            ("trace_parent", Text(first.TraceParent)));
    }

    /// <summary>
    /// Reads what <see cref="InsertCommand"/> returned into <paramref name="jobs"/>: their due times, and for those
    /// written leased to <paramref name="handOff"/>'s dispatcher their claim, as the dispatcher's claim would return it.
    /// </summary>
    internal static async Task<List<ClaimedJob>> ReadInsertedAsync(
        NpgsqlDataReader reader, IReadOnlyList<DeliveryJob> jobs, HandOffLease? handOff, CancellationToken cancellationToken)
    {
        var byId = jobs.ToDictionary(j => j.Id);
        var handedOff = new List<ClaimedJob>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var job = byId[reader.GetGuid(0)];
            job.NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(1);
            if ((DeliveryState)reader.GetInt16(2) == DeliveryState.Sending)
            {
                job.State = DeliveryState.Sending;
                job.Attempts = 1;
                job.ScheduleStep = 1;
                job.LeaseOwner = handOff?.Owner;
                job.LeaseExpiresAt = reader.GetFieldValue<DateTimeOffset>(3);
                handedOff.Add(new ClaimedJob(job.Id, job.ApprovalId, job.DecisionId, job.ServiceRuleId, job.RequestedStatus,
                    job.Attempts, job.ScheduleStep, job.LeaseExpiresAt.Value, job.TraceParent));
            }
        }

        return handedOff;
    }

    /// <summary>
    /// One round trip for what recording an attempt reads and its own writes: the approval's row, locked, so
    /// completions of one approval's jobs take turns on it and whichever finishes last sees all the others; the job's
    /// update, only while this attempt's claim still holds; the standings of the decision's jobs after it; and the
    /// attempt log row.
    /// </summary>
    public async Task<(ApprovalRecord? Approval, bool StillOurs, List<(Guid JobId, JobStanding Standing)> Standings)> RecordAttemptAsync(
        UnitOfWork unit, ClaimedJob job, string owner, JobNextState next, DeliveryAttemptOutcome outcome, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var finished = next.State != DeliveryState.Pending;
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            ApprovalStore.LockCommand(job.ApprovalId),
            RecordSql.BatchCommand(
                ("state", Value((short)next.State)),
                ("last_error", Text(next.Error)),
                ("last_error_code", Text(next.ErrorCode)),
                ("next_attempt_at", new NpgsqlParameter<DateTimeOffset?> { TypedValue = next.NextAttemptAt, NpgsqlDbType = NpgsqlDbType.TimestampTz }),
                ("finished", Value(finished)),
                ("now", Value(now)),
                ("reported_status", new NpgsqlParameter<short?> { TypedValue = (short?)outcome.ReportedStatus, NpgsqlDbType = NpgsqlDbType.Smallint }),
                ("job_id", Value(job.Id)),
                ("owner", Value(owner)),
                ("attempt", Value(job.Attempt))),
            StandingsSql.BatchCommand(("approval_id", Value(job.ApprovalId)), ("decision_id", Value(job.DecisionId))),
            AttemptCommand(job, outcome));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var approval = await reader.ReadAsync(cancellationToken) ? ApprovalStore.ReadApprovalRow(reader) : null;
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

    /// <summary>Logs an aborted attempt and hands its job back, due now, without using up a retry.</summary>
    public async Task ReleaseAsync(UnitOfWork unit, ClaimedJob job, string owner, DeliveryAttemptOutcome aborted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            AttemptCommand(job, aborted),
            ReleaseSql.BatchCommand(("now", Value(now)), ("job_id", Value(job.Id)), ("owner", Value(owner)), ("attempt", Value(job.Attempt))));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One job of an approval as a redelivery needs it; null when the approval has no such job.</summary>
    public async Task<RedeliveryTarget?> GetForRedeliveryAsync(UnitOfWork unit, Guid approvalId, Guid jobId, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            GetSql.BatchCommand(("job_id", Value(jobId)), ("approval_id", Value(approvalId))));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new RedeliveryTarget(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), (DeliveryState)reader.GetInt16(3), (ApprovalStatus)reader.GetInt16(4),
                reader.GetBoolean(5))
            : null;
    }

    /// <summary>Makes a failed job due now at the start of a new round of its retry schedule, and wakes the dispatchers on commit.</summary>
    public async Task RedeliverAsync(UnitOfWork unit, Guid jobId, DateTimeOffset now, string? traceParent, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            RedeliverSql.BatchCommand(("now", Value(now)), ("job_id", Value(jobId)), ("trace_parent", Text(traceParent))),
            WakeSql.BatchCommand(("channel", Value(NotificationChannels.DeliveryJobs))));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand AttemptCommand(ClaimedJob job, DeliveryAttemptOutcome outcome) => AttemptSql.BatchCommand(
        ("job_id", Value(job.Id)),
        ("attempt", Value(job.Attempt)),
        ("started_at", Value(outcome.StartedAt)),
        ("duration_ms", Value((int)Math.Min(int.MaxValue, Math.Max(0, outcome.Duration.TotalMilliseconds)))),
        ("http_status", new NpgsqlParameter<int?> { TypedValue = outcome.HttpStatus, NpgsqlDbType = NpgsqlDbType.Integer }),
        ("error", Text(DeliveryJobText.Truncate(outcome.Error))),
        ("response_excerpt", Text(outcome.ResponseExcerpt)));
}

/// <summary>A job's state after an attempt: done, due again at a time, or failed with an error.</summary>
public sealed record JobNextState(DeliveryState State, DateTimeOffset? NextAttemptAt, string? Error, string? ErrorCode);

/// <summary>Stored error texts are cut to a size.</summary>
public static class DeliveryJobText
{
    public const int MaxErrorLength = 2000;

    public static string? Truncate(string? value) => value is { Length: > MaxErrorLength } ? value[..MaxErrorLength] : value;
}
