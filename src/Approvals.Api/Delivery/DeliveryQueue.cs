using Approvals.Domain;
using Npgsql;

namespace Approvals.Api.Delivery;

/// <summary>A job this dispatcher has claimed: its lease is held until <see cref="LeaseExpiresAt"/>.</summary>
public sealed record ClaimedJob(
    Guid Id,
    Guid ApprovalId,
    Guid DecisionId,
    int ServiceRuleId,
    ApprovalStatus RequestedStatus,
    int Attempt,
    int ScheduleStep,
    DateTimeOffset LeaseExpiresAt);

/// <summary>
/// The dispatchers' view of <c>delivery_jobs</c>: claiming due jobs and finding when the next one falls due.
/// Plain SQL, because the claim is one statement that must lock, skip and update together.
/// </summary>
public sealed class DeliveryQueue(NpgsqlDataSource dataSource)
{
    // Due: pending and scheduled for now, or sending under a lease that has run out (its owner is presumed dead,
    // or its attempt crashed; this process's own running attempts are excluded by id, not by owner, so a crashed
    // attempt of a single dispatcher is still retried).
    // The walk over the queue touches delivery_jobs alone, so whatever plan the planner picks it costs little per
    // waiting job: ideally ix_delivery_jobs_due (state IN (0, 1)) in next_attempt_at order, stopping after @limit
    // rows (a sending job was due when it was claimed, so its next_attempt_at is in the past too). The queue's
    // statistics are usually stale, because it swings from empty to a backlog within seconds; with the check of the
    // approval's current decision inside the walk, the planner took a backlog of a few thousand jobs for two rows,
    // joined all of them to approvals and sorted them, 20 to 650 ms per claim (docs/benchmarks.md).
    // Only jobs of the approval's current decision are sent. A new decision supersedes the open jobs of the old one
    // in its own transaction, so a claimed job of another decision means that rule was broken (by hand, say); such a
    // job is marked superseded here, as the decision should have done, instead of being sent or left at the head of
    // the queue.
    // SKIP LOCKED lets concurrent dispatchers take disjoint jobs without waiting on each other; claiming counts the
    // attempt up front, so a job whose dispatcher keeps dying still runs out of attempts.
    private const string ClaimSql = """
        WITH due AS (
            SELECT d.id
            FROM delivery_jobs d
            WHERE d.state IN (0, 1) AND d.next_attempt_at <= @now
              AND (d.state = 0 OR (d.lease_expires_at <= @now AND d.id <> ALL(@running)))
            ORDER BY d.next_attempt_at
            LIMIT @limit
            FOR UPDATE OF d SKIP LOCKED),
        stale AS (
            UPDATE delivery_jobs s
            SET state = 4, completed_at = @now, lease_expires_at = NULL
            FROM due
            WHERE s.id = due.id
              AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.id = s.approval_id AND a.current_decision_id = s.decision_id))
        UPDATE delivery_jobs j
        SET state = 1,
            lease_owner = @owner,
            lease_expires_at = @now + greatest(@lease, make_interval(secs => r.timeout_seconds) + @margin),
            attempts = j.attempts + 1,
            schedule_step = j.schedule_step + 1
        FROM due, service_rules r, approvals a
        WHERE j.id = due.id AND r.id = j.service_rule_id AND a.id = j.approval_id AND a.current_decision_id = j.decision_id
        RETURNING j.id, j.approval_id, j.decision_id, j.service_rule_id, j.requested_status, j.attempts, j.schedule_step, j.lease_expires_at
        """;

    // The earliest of two index walks that each stop at their first row (ix_delivery_jobs_due for pending jobs,
    // ix_delivery_jobs_leased for running leases), over delivery_jobs alone for the reason the claim's walk is. (As
    // one min() over a join it read the whole outbox and joined it to the approvals: hundreds of milliseconds with a
    // few ten thousand jobs, on every pass of a dispatcher that had a free slot.) A job of a superseded decision
    // can only wake the dispatcher once: its claim marks it superseded.
    private const string NextDueSql = """
        SELECT least(
            (SELECT d.next_attempt_at
             FROM delivery_jobs d
             WHERE d.state = 0
             ORDER BY d.next_attempt_at
             LIMIT 1),
            (SELECT d.lease_expires_at
             FROM delivery_jobs d
             WHERE d.state = 1 AND d.id <> ALL(@running)
             ORDER BY d.lease_expires_at
             LIMIT 1))
        """;

    /// <param name="running">Jobs this process is sending right now, which must not be claimed again.</param>
    public async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(
        string owner, int limit, DateTimeOffset now, TimeSpan leaseDuration, Guid[] running, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ClaimSql);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("running", running);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("lease", leaseDuration);
        command.Parameters.AddWithValue("margin", DeliveryOptions.LeaseMargin);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = new List<ClaimedJob>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(new ClaimedJob(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetGuid(2),
                reader.GetInt32(3),
                (ApprovalStatus)reader.GetInt16(4),
                reader.GetInt32(5),
                reader.GetInt32(6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return jobs;
    }

    /// <summary>When the next job falls due for this dispatcher (a retry, or a lease running out), if any.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(Guid[] running, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(NextDueSql);
        command.Parameters.AddWithValue("running", running);
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is DateTime utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;
    }
}
