using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>An attempt a RabbitMQ worker made: the job at this attempt (its number and schedule step), what it came to, and the job's next state.</summary>
public sealed record BrokerAttempt(ClaimedJob Job, JobNextState Next, DeliveryAttemptOutcome Outcome);

/// <summary>
/// What recording a batch of broker attempts found under its locks: the approvals of the jobs that finished, locked;
/// which attempts were recorded (the others were not their job's next attempt, or their job no longer counts); and
/// where every job of those approvals' decisions stands after the batch.
/// </summary>
public sealed record BrokerRecording(
    IReadOnlyDictionary<Guid, ApprovalRecord> LockedApprovals,
    IReadOnlySet<Guid> Recorded,
    IReadOnlyDictionary<Guid, List<(Guid JobId, JobStanding Standing)>> Standings);

/// <summary>
/// The delivery job store's statements for the RabbitMQ transport, whose workers record a batch of attempts in one
/// round trip: the finishing jobs' approvals locked (Sql/ApprovalsLock.sql), the jobs' updates
/// (Sql/DeliveryJobsRecordAttempts.sql), the standings of those approvals' decisions
/// (Sql/DeliveryJobsStandings.sql) and the attempt log rows (Sql/DeliveryAttemptsInsert.sql).
/// </summary>
public sealed partial class DeliveryJobStore
{
    private static readonly SqlStatement RecordAttemptsSql = SqlStatement.Get("DeliveryJobsRecordAttempts");
    private static readonly SqlStatement StandingsManySql = SqlStatement.Get("DeliveryJobsStandings");
    private static readonly SqlStatement AttemptsInsertSql = SqlStatement.Get("DeliveryAttemptsInsert");

    public static async Task<BrokerRecording> RecordBrokerAttemptsAsync(
        UnitOfWork unit, IReadOnlyList<BrokerAttempt> attempts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Only a job that finishes can resolve its approval, so only those approvals are locked.
        var finishing = attempts.Where(a => a.Next.State != DeliveryState.Pending).Select(a => a.Job).ToList();
        var lockIds = finishing.Select(j => j.ApprovalId).Distinct().Order().ToArray();
        var decisions = finishing.Select(j => (j.ApprovalId, j.DecisionId)).Distinct().ToList();

        await using var batch = await unit.CreateBatchAsync(cancellationToken);
        if (lockIds.Length > 0)
        {
            batch.BatchCommands.Add(ApprovalStore.LockManyCommand(lockIds));
        }

        batch.BatchCommands.Add(RecordAttemptsSql.BatchCommand(
            ("now", Value(now)),
            ("job_ids", Value<Guid[]>([.. attempts.Select(a => a.Job.Id)])),
            ("attempts", Value<int[]>([.. attempts.Select(a => a.Job.Attempt)])),
            ("schedule_steps", Value<int[]>([.. attempts.Select(a => a.Job.ScheduleStep)])),
            ("states", Value<short[]>([.. attempts.Select(a => (short)a.Next.State)])),
            ("last_errors", TextArray(attempts.Select(a => a.Next.Error))),
            ("last_error_codes", TextArray(attempts.Select(a => a.Next.ErrorCode))),
            ("next_attempt_ats", new NpgsqlParameter<DateTimeOffset?[]> { TypedValue = [.. attempts.Select(a => a.Next.NextAttemptAt)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz }),
            ("finished", Value<bool[]>([.. attempts.Select(a => a.Next.State != DeliveryState.Pending)])),
            ("reported_statuses", new NpgsqlParameter<short?[]> { TypedValue = [.. attempts.Select(a => (short?)a.Outcome.ReportedStatus)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint })));

        if (lockIds.Length > 0)
        {
            batch.BatchCommands.Add(StandingsManySql.BatchCommand(
                ("approval_ids", Value<Guid[]>([.. decisions.Select(d => d.ApprovalId)])),
                ("decision_ids", Value<Guid[]>([.. decisions.Select(d => d.DecisionId)]))));
        }

        batch.BatchCommands.Add(AttemptsInsertSql.BatchCommand(
            ("job_ids", Value<Guid[]>([.. attempts.Select(a => a.Job.Id)])),
            ("attempts", Value<int[]>([.. attempts.Select(a => a.Job.Attempt)])),
            ("started_ats", Value<DateTimeOffset[]>([.. attempts.Select(a => a.Outcome.StartedAt)])),
            ("durations_ms", Value<int[]>([.. attempts.Select(a => DurationMs(a.Outcome))])),
            ("http_statuses", new NpgsqlParameter<int?[]> { TypedValue = [.. attempts.Select(a => a.Outcome.HttpStatus)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer }),
            ("errors", TextArray(attempts.Select(a => DeliveryJobText.Truncate(a.Outcome.Error)))),
            ("response_excerpts", TextArray(attempts.Select(a => a.Outcome.ResponseExcerpt)))));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var locked = new Dictionary<Guid, ApprovalRecord>();
        if (lockIds.Length > 0)
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var approval = ApprovalStore.ReadApprovalRow(reader);
                locked[approval.Id] = approval;
            }

            await reader.NextResultAsync(cancellationToken);
        }

        var recorded = new HashSet<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            recorded.Add(reader.GetGuid(0));
        }

        var standings = new Dictionary<Guid, List<(Guid, JobStanding)>>();
        if (lockIds.Length > 0)
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var approvalId = reader.GetGuid(0);
                if (!standings.TryGetValue(approvalId, out var list))
                {
                    standings[approvalId] = list = [];
                }

                list.Add((reader.GetGuid(1), new JobStanding(
                    reader.GetInt32(2),
                    reader.GetString(3),
                    (DeliveryState)reader.GetInt16(4),
                    reader.IsDBNull(5) ? null : (ApprovalStatus)reader.GetInt16(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7))));
            }
        }

        return new BrokerRecording(locked, recorded, standings);
    }

    private static NpgsqlParameter<string?[]> TextArray(IEnumerable<string?> values) =>
        new() { TypedValue = [.. values], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static int DurationMs(DeliveryAttemptOutcome outcome) =>
        (int)Math.Min(int.MaxValue, Math.Max(0, outcome.Duration.TotalMilliseconds));
}
