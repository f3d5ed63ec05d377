using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// A job this dispatcher has claimed: its lease is held until <see cref="LeaseExpiresAt"/>. <see cref="TraceParent"/>
/// is the trace context of what queued it, which its attempt continues.
/// </summary>
public sealed record ClaimedJob(
    Guid Id,
    Guid ApprovalId,
    Guid DecisionId,
    int ServiceRuleId,
    ApprovalStatus RequestedStatus,
    int Attempt,
    int ScheduleStep,
    DateTimeOffset LeaseExpiresAt,
    string? TraceParent = null);

/// <summary>
/// What one claim took, and when the next job not taken falls due (null when none is waiting). The jobs just claimed
/// count towards it by their new leases; at worst that wakes the dispatcher once for nothing, when such a lease is
/// shorter than its sweep interval.
/// </summary>
public sealed record DeliveryClaim(IReadOnlyList<ClaimedJob> Jobs, DateTimeOffset? NextDue);

/// <summary>
/// The delivery job store's queue side: claiming due jobs under a lease (Sql/DeliveryJobsClaim.sql, which explains the
/// statement) and finding when the next one falls due (Sql/DeliveryJobsNextDue.sql). Claims go through the data
/// source, outside any unit of work: a claim is one atomic statement and commits at once.
/// </summary>
public sealed partial class DeliveryJobStore
{
    private static readonly SqlStatement ClaimSql = SqlStatement.Get("DeliveryJobsClaim");
    private static readonly SqlStatement NextDueSql = SqlStatement.Get("DeliveryJobsNextDue");

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
        batch.BatchCommands.Add(ClaimSql.BatchCommand(
            ("now", Value(now)),
            ("owner", Value(owner)),
            ("running", Value(running)),
            ("only_approval", new NpgsqlParameter<Guid?> { TypedValue = null, NpgsqlDbType = NpgsqlDbType.Uuid }),
            ("limit", Value(limit)),
            ("lease_duration", Value(leaseDuration)),
            ("lease_margin", Value(LeaseMargin))));
        batch.BatchCommands.Add(NextDueSql.BatchCommand(("running", Value(running))));
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
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        DateTimeOffset? nextDue = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
        return new DeliveryClaim(jobs, nextDue);
    }
}
