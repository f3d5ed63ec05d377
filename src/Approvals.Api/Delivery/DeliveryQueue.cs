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
/// What one claim took, and when the next job not taken falls due (null when none is waiting). The jobs just claimed
/// count towards it by their new leases; at worst that wakes the dispatcher once for nothing, when such a lease is
/// shorter than its sweep interval.
/// </summary>
public sealed record DeliveryClaim(IReadOnlyList<ClaimedJob> Jobs, DateTimeOffset? NextDue);

/// <summary>
/// The dispatchers' view of <c>delivery_jobs</c>: claiming due jobs and finding when the next one falls due.
/// Plain SQL, because the claim is one statement that must lock, skip and update together.
/// </summary>
public sealed class DeliveryQueue(NpgsqlDataSource dataSource)
{
    // Due: pending and scheduled for now, or sending under a lease that has run out (its owner is presumed dead,
    // or its attempt crashed; this process's own running attempts are excluded by id, not by owner, so a crashed
    // attempt of a single dispatcher is still retried).
    // Each kind has its own walk over delivery_jobs alone, on the partial index that holds exactly that kind
    // (ix_delivery_jobs_due: pending, by due time; ix_delivery_jobs_leased: sending, by lease expiry), so each stops
    // at its first row that is not due. With one index over both kinds, every claim visited the rows of all the jobs
    // being sent, which sit at the head of the queue, to read their lease. Expired leases go first: they are old,
    // rare, and were due before anything still pending. The queue's statistics are usually stale, because it swings
    // from empty to a backlog within seconds; with the check of the approval's current decision inside the walk,
    // the planner took a backlog of a few thousand jobs for two rows, joined all of them to approvals and sorted
    // them, 20 to 650 ms per claim (docs/benchmarks.md).
    // Only jobs of the approval's current decision are sent. A new decision supersedes the open jobs of the old one
    // in its own transaction, so a claimed job of another decision means that rule was broken (by hand, say); such a
    // job is marked superseded here, as the decision should have done, instead of being sent or left at the head of
    // the queue.
    // SKIP LOCKED lets concurrent dispatchers take disjoint jobs without waiting on each other; claiming counts the
    // attempt up front, so a job whose dispatcher keeps dying still runs out of attempts.
    private const string ClaimSql = """
        WITH expired AS (
            SELECT d.id
            FROM delivery_jobs d
            WHERE d.state = 1 AND d.lease_expires_at <= @now AND d.id <> ALL(@running)
            ORDER BY d.lease_expires_at
            LIMIT @limit
            FOR UPDATE OF d SKIP LOCKED),
        pending AS (
            SELECT d.id
            FROM delivery_jobs d
            WHERE d.state = 0 AND d.next_attempt_at <= @now
            ORDER BY d.next_attempt_at
            LIMIT @limit
            FOR UPDATE OF d SKIP LOCKED),
        due AS (
            (SELECT e.id FROM expired e UNION ALL SELECT p.id FROM pending p)
            LIMIT @limit),
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

    // Sent after the claim in its batch: the earliest of two index walks that each stop at their first row
    // (ix_delivery_jobs_due for pending jobs, ix_delivery_jobs_leased for running leases), over delivery_jobs alone
    // for the reason the claim's walks are. (As one min() over a join it read the whole outbox and joined it to the
    // approvals: hundreds of milliseconds with a few ten thousand jobs, on every pass of a dispatcher that had a free
    // slot.) A job of a superseded decision can only wake the dispatcher once: its claim marks it superseded.
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

    /// <summary>
    /// Claims up to <paramref name="limit"/> due jobs for <paramref name="owner"/> and, in the same round trip, finds
    /// when the next job falls due after them (a retry, or a lease running out), so the dispatcher knows how long it
    /// may sleep without a second query on every pass.
    /// </summary>
    /// <param name="running">Jobs this process is sending right now, which must not be claimed again.</param>
    public async Task<DeliveryClaim> ClaimAsync(
        string owner, int limit, DateTimeOffset now, TimeSpan leaseDuration, Guid[] running, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ClaimSql)
        {
            Parameters =
            {
                new NpgsqlParameter<DateTimeOffset>("now", now),
                new NpgsqlParameter<string>("owner", owner),
                new NpgsqlParameter<Guid[]>("running", running),
                new NpgsqlParameter<int>("limit", limit),
                new NpgsqlParameter<TimeSpan>("lease", leaseDuration),
                new NpgsqlParameter<TimeSpan>("margin", DeliveryOptions.LeaseMargin),
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NextDueSql)
        {
            Parameters = { new NpgsqlParameter<Guid[]>("running", running) },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
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

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        DateTimeOffset? nextDue = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
        return new DeliveryClaim(jobs, nextDue);
    }
}
