using System.Diagnostics;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// Where one decided approval stands, from the database: its status, when the decision and its final status were
/// written (the history's timestamps), how many decisions and delivery jobs it has, and what UserService recorded.
/// </summary>
internal sealed record DecisionOutcome(
    Guid Id,
    short Status,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? FinalAt,
    int Decisions,
    int Jobs,
    int? WebhooksReceived,
    short? ReceivedStatus)
{
    public const short Error = 1;
    public const short Pending = 2;

    /// <summary>APPROVED, REJECTED or CANCELLED.</summary>
    public bool IsFinal => Status is 3 or 4 or 5;

    /// <summary>ACKNOWLEDGED_*: decided, delivery not finished.</summary>
    public bool IsAcknowledged => Status is 6 or 7 or 8;

    public TimeSpan? CommitToFinal => FinalAt - DecidedAt;
}

/// <summary>The database side of the decision scenarios: pending approvals to decide, and what became of them.</summary>
internal sealed class DecisionLedger(string connectionString)
{
    /// <summary>
    /// Every pending approval of the data set that no earlier run has decided, in id order; with
    /// <paramref name="onlyFirstRule"/> only those naming service rule 1 alone (one delivery per decision).
    /// </summary>
    public async Task<ApprovalPool> PendingAsync(bool onlyFirstRule, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT a.id FROM approvals a
            WHERE a.status = 2 AND a.current_decision_id IS NULL AND a.id BETWEEN @first AND @last
            {(onlyFirstRule ? "AND NOT EXISTS (SELECT 1 FROM approval_service_rules r WHERE r.approval_id = a.id AND r.service_rule_id <> 1)" : "")}
            ORDER BY a.id
            """, connection);
        command.Parameters.AddWithValue("first", Guid.Parse(DataSet.IdPrefix + "000000000000"));
        command.Parameters.AddWithValue("last", Guid.Parse(DataSet.IdPrefix + "ffffffffffff"));
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }

        return new ApprovalPool(ids);
    }

    /// <summary>What became of these approvals. UserService's figures are null when its tables are not in this database.</summary>
    public async Task<IReadOnlyList<DecisionOutcome>> OutcomesAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var withUserService = await HasUserServiceTablesAsync(connection, cancellationToken);
        var received = withUserService
            ? """
              (SELECT count(*)::int FROM user_service.received_webhooks w WHERE w.approval_id = a.id),
              (SELECT r.status FROM user_service.received_approvals r WHERE r.id = a.id)
              """
            : "NULL::int, NULL::smallint";
        await using var command = new NpgsqlCommand($"""
            SELECT a.id, a.status,
                   (SELECT min(h.at) FROM approval_history h WHERE h.approval_id = a.id AND h.action = 'decided'),
                   (SELECT max(h.at) FROM approval_history h
                    WHERE h.approval_id = a.id AND h.action = 'status_changed' AND h.to_status IN (1, 3, 4, 5)),
                   (SELECT count(*)::int FROM approval_history h WHERE h.approval_id = a.id AND h.action = 'decided'),
                   (SELECT count(*)::int FROM delivery_jobs j WHERE j.approval_id = a.id AND j.decision_id = a.current_decision_id),
                   {received}
            FROM approvals a
            WHERE a.id = ANY (@ids)
            """, connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.CommandTimeout = 120;
        var outcomes = new List<DecisionOutcome>(ids.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            outcomes.Add(new DecisionOutcome(
                reader.GetGuid(0),
                reader.GetInt16(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetInt32(4),
                reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetInt16(7)));
        }

        return outcomes;
    }

    /// <summary>
    /// Waits until every one of these approvals that was decided has left ACKNOWLEDGED_* (reached a final status or
    /// ERROR), checking every second, for at most <paramref name="timeout"/>; returns the outcomes either way.
    /// Each check asks only about the approvals still in delivery, with one index lookup each: the full outcome
    /// query (history, jobs, UserService's tables) runs once at the end. Polling with it every second took 80 to
    /// 600 ms of the two cores the measured services run on, in the middle of the measured window.
    /// </summary>
    public async Task<IReadOnlyList<DecisionOutcome>> WaitUntilSettledAsync(
        IReadOnlyCollection<Guid> ids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var open = ids.ToArray();
        while (true)
        {
            open = await StillInDeliveryAsync(open, cancellationToken);
            if (open.Length == 0 || clock.Elapsed > timeout)
            {
                return await OutcomesAsync(ids, cancellationToken);
            }

            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(15))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine($"  waiting for {open.Length:N0} decision(s) still in delivery ({clock.Elapsed.TotalSeconds:0} s)");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Those of these approvals that are in ACKNOWLEDGED_* (decided, delivery not finished).</summary>
    private async Task<Guid[]> StillInDeliveryAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT a.id FROM approvals a WHERE a.id = ANY (@ids) AND a.status IN (6, 7, 8)", connection);
        command.Parameters.AddWithValue("ids", ids);
        var open = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            open.Add(reader.GetGuid(0));
        }

        return [.. open];
    }

    /// <summary>
    /// For each of these approvals, when the first attempt of its current decision's first job started and how long
    /// it took (the service's clock, as the history's timestamps): commit-to-final splits into the way to the first
    /// attempt (the commit, its notification, the claim, the preparation) and the call to the downstream service.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, (DateTimeOffset StartedAt, TimeSpan Duration)>> FirstAttemptsAsync(
        IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT DISTINCT ON (j.approval_id) j.approval_id, t.started_at, t.duration_ms
            FROM delivery_jobs j
            JOIN approvals a ON a.id = j.approval_id AND a.current_decision_id = j.decision_id
            JOIN delivery_attempts t ON t.job_id = j.id AND t.number = 1
            WHERE j.approval_id = ANY (@ids)
            ORDER BY j.approval_id, t.started_at
            """, connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var attempts = new Dictionary<Guid, (DateTimeOffset, TimeSpan)>(ids.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts[reader.GetGuid(0)] = (reader.GetFieldValue<DateTimeOffset>(1), TimeSpan.FromMilliseconds(reader.GetInt32(2)));
        }

        return attempts;
    }

    /// <summary>
    /// Vacuums and analyzes every table a decision writes (UserService's too, when they are in this database), and
    /// returns how long that took. The maximum-rate rounds and the pgbench ceiling leave a debt of dead rows that
    /// autovacuum would otherwise pay during whatever runs next; pgbench vacuums before its own runs for the same
    /// reason.
    /// </summary>
    public async Task<TimeSpan> VacuumAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await OpenAsync(cancellationToken);
        var tables = "approvals, approval_service_rules, approval_history, delivery_jobs, delivery_attempts, idempotency_keys";
        if (await HasUserServiceTablesAsync(connection, cancellationToken))
        {
            tables += ", user_service.received_approvals, user_service.received_webhooks";
        }

        await using var command = new NpgsqlCommand($"VACUUM (ANALYZE) {tables}", connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync(cancellationToken);
        return clock.Elapsed;
    }

    /// <summary>
    /// The autovacuum and autoanalyze runs PostgreSQL last finished between <paramref name="from"/> and
    /// <paramref name="to"/> (one per table and kind, from <c>pg_stat_user_tables</c>), earliest first: on two cores
    /// their workers compete with the service, which shows in the latency tail of that moment.
    /// </summary>
    public async Task<IReadOnlyList<(string Table, string Kind, DateTimeOffset At)>> MaintenanceBetweenAsync(
        DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT relname, kind, at FROM (
                SELECT relname, 'autovacuum' AS kind, last_autovacuum AS at FROM pg_stat_user_tables
                UNION ALL
                SELECT relname, 'autoanalyze', last_autoanalyze FROM pg_stat_user_tables) AS runs
            WHERE at BETWEEN @from AND @to
            ORDER BY at
            """, connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<(string, string, DateTimeOffset)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return runs;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // Unpooled: a pooled connection would be a dead one after chaos-db has restarted PostgreSQL. No JIT: the
        // outcome query's estimate passes jit_above_cost, and compiling it cost more CPU than running it.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Options = "-c jit=off" }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<bool> HasUserServiceTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass('user_service.received_webhooks') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
