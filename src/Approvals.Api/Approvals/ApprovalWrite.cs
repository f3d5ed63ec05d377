using System.Text.Json;
using System.Text;
using Approvals.Api.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Approvals;

/// <summary>
/// What one change to an approval writes, as <see cref="ApprovalWorkflow"/> plans it: the row's new state under the
/// version it was read at, the replaced service rules, the superseded and the new delivery jobs, and the event.
/// <see cref="SaveAsync"/> writes it by hand in one batch in the caller's transaction. Every decision and every
/// delivery outcome writes one, and EF Core's SaveChanges (change tracking, command building, the topological sort)
/// cost more CPU than these statements (docs/benchmarks.md). Keep bench/pgbench/decide.sql in step with them.
/// </summary>
internal sealed class ApprovalWrite(ApprovalRecord approval, Approval changed)
{
    // The version read is the concurrency token: the row is locked, so a mismatch means a bug, not a race.
    private const string UpdateApprovalSql = """
        UPDATE approvals
        SET title = $2, description = $3, comment = $4, deadline = $5, status = $6, previous_status = $7, version = $8,
            current_decision_id = $9, last_error = $10
        WHERE id = $1 AND version = $11
        RETURNING updated_at
        """;

    private const string SupersedeOpenJobsSql = """
        UPDATE delivery_jobs SET state = 4, completed_at = $2
        WHERE approval_id = $1 AND state IN (0, 1)
        """;

    private const string DeleteServiceRulesSql = "DELETE FROM approval_service_rules WHERE approval_id = $1";

    private const string InsertServiceRulesSql = """
        INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
        SELECT $1, r.id, r.ordinal - 1 FROM unnest($2::int[]) WITH ORDINALITY AS r(id, ordinal)
        """;

    // The first step of a rule's retry schedule is the delay before the first attempt (usually 0: send at once;
    // NULL past the end of an empty schedule). A job due at once is written already claimed when the decision hands
    // it to this process's dispatcher ($7, the lease owner, is set): its first attempt counted and leased as
    // DeliveryQueue's claim would have done; the trigger then sends no notification for it.
    private const string InsertJobsSql = """
        INSERT INTO delivery_jobs (id, approval_id, decision_id, service_rule_id, requested_status, state, attempts,
                                   schedule_step, next_attempt_at, created_at, lease_owner, lease_expires_at)
        SELECT j.id, $2, $3, j.rule, $4, h.step, h.step, h.step, $5 + f.delay, $5,
               CASE WHEN h.step = 1 THEN $7 END,
               CASE WHEN h.step = 1 THEN $5 + greatest($8, make_interval(secs => s.timeout_seconds) + $9) END
        FROM unnest($1::uuid[], $6::int[]) AS j(id, rule)
        JOIN service_rules AS s ON s.id = j.rule
        CROSS JOIN LATERAL (SELECT make_interval(secs => coalesce(s.retry_schedule[1], 0)) AS delay) AS f
        CROSS JOIN LATERAL (SELECT CASE WHEN $7::text IS NOT NULL AND f.delay = interval '0' THEN 1 ELSE 0 END AS step) AS h
        RETURNING id, next_attempt_at, state, lease_expires_at
        """;

    public ApprovalRecord Approval => approval;

    /// <summary>The version the approval was read at.</summary>
    public int ReadVersion { get; } = approval.Version;

    /// <summary>The aggregate after the change: its state and the events it raised are what is written.</summary>
    public Approval Changed => changed;

    /// <summary>Set (to the time) when a new decision supersedes the open jobs of the previous one.</summary>
    public DateTimeOffset? OpenJobsSupersededAt { get; set; }

    /// <summary>The new decision's jobs; their <see cref="DeliveryJob.NextAttemptAt"/> is filled in by the write.</summary>
    public List<DeliveryJob> NewJobs { get; } = [];


    /// <summary>
    /// Set when this process's dispatcher takes the new jobs that are due at once (<see cref="Delivery.DeliveryHandOff"/>):
    /// they are written leased to it.
    /// </summary>
    public Delivery.HandOffLease? HandOff { get; set; }

    /// <summary>The new jobs written leased to the <see cref="HandOff"/> dispatcher, as its claim would have returned them.</summary>
    public List<Delivery.ClaimedJob> HandedOffJobs { get; } = [];

    /// <summary>Writes the change in the context's current transaction and sets the approval's <see cref="ApprovalRecord.UpdatedAt"/>.</summary>
    public async Task SaveAsync(ApprovalsDbContext db, CancellationToken cancellationToken)
    {
        if (changed.Events.Count == 0)
        {
            throw new InvalidOperationException("Every change to an approval writes its events.");
        }

        approval.CopyFrom(changed);
        await using var batch = db.Database.CreateBatchInTransaction();
        if (OpenJobsSupersededAt is { } supersededAt)
        {
            batch.BatchCommands.Add(Command(SupersedeOpenJobsSql, Value(approval.Id), Value(supersededAt)));
        }

        batch.BatchCommands.Add(Command(UpdateApprovalSql,
            Value(approval.Id),
            Value(approval.Title),
            Value(approval.Description),
            Value(approval.Comment),
            Value(approval.Deadline),
            Value((short)approval.Status),
            new NpgsqlParameter<short?> { TypedValue = (short?)approval.PreviousStatus, NpgsqlDbType = NpgsqlDbType.Smallint },
            Value(approval.Version),
            new NpgsqlParameter<Guid?> { TypedValue = approval.CurrentDecisionId, NpgsqlDbType = NpgsqlDbType.Uuid },
            new NpgsqlParameter<string?> { TypedValue = LastErrorJson(approval.LastError), NpgsqlDbType = NpgsqlDbType.Jsonb },
            Value(ReadVersion)));

        if (changed.ServiceRulesReplaced)
        {
            batch.BatchCommands.Add(Command(DeleteServiceRulesSql, Value(approval.Id)));
            batch.BatchCommands.Add(Command(InsertServiceRulesSql,
                Value(approval.Id), Value<int[]>([.. approval.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId)])));
        }

        if (NewJobs.Count > 0)
        {
            var first = NewJobs[0];
            batch.BatchCommands.Add(Command(InsertJobsSql,
                Value<Guid[]>([.. NewJobs.Select(j => j.Id)]),
                Value(approval.Id),
                Value(first.DecisionId),
                Value((short)first.RequestedStatus),
                Value(first.CreatedAt),
                Value<int[]>([.. NewJobs.Select(j => j.ServiceRuleId)]),
                new NpgsqlParameter<string?> { TypedValue = HandOff?.Owner, NpgsqlDbType = NpgsqlDbType.Text },
                Value(HandOff?.Duration ?? TimeSpan.Zero),
                Value(Delivery.DeliveryOptions.LeaseMargin)));
        }

        batch.BatchCommands.Add(ApprovalEventWrite.InsertCommand(changed.Events));

        // Only the approval's update and the jobs' insert return rows (Npgsql's reader skips the other statements).
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new DbUpdateConcurrencyException($"Approval {approval.Id} is no longer at version {ReadVersion}.");
        }

        approval.UpdatedAt = reader.GetFieldValue<DateTimeOffset>(0);
        if (NewJobs.Count > 0 && await reader.NextResultAsync(cancellationToken))
        {
            var jobs = NewJobs.ToDictionary(j => j.Id);
            while (await reader.ReadAsync(cancellationToken))
            {
                var job = jobs[reader.GetGuid(0)];
                job.NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(1);
                if ((DeliveryState)reader.GetInt16(2) == DeliveryState.Sending)
                {
                    job.State = DeliveryState.Sending;
                    job.Attempts = 1;
                    job.ScheduleStep = 1;
                    job.LeaseOwner = HandOff?.Owner;
                    job.LeaseExpiresAt = reader.GetFieldValue<DateTimeOffset>(3);
                    HandedOffJobs.Add(new Delivery.ClaimedJob(
                        job.Id, job.ApprovalId, job.DecisionId, job.ServiceRuleId, job.RequestedStatus, job.Attempts,
                        job.ScheduleStep, job.LeaseExpiresAt.Value));
                }
            }
        }
    }

    /// <summary>The JSON EF Core maps <see cref="DeliveryError"/> to (ApprovalConfiguration): its members by name.</summary>
    private static string? LastErrorJson(DeliveryError? error)
    {
        if (error is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(nameof(DeliveryError.At), error.At);
            json.WriteString(nameof(DeliveryError.Code), error.Code);
            json.WriteString(nameof(DeliveryError.Message), error.Message);
            if (error.ServiceRule is { } rule)
            {
                json.WriteNumber(nameof(DeliveryError.ServiceRule), rule);
            }
            else
            {
                json.WriteNull(nameof(DeliveryError.ServiceRule));
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };
}
