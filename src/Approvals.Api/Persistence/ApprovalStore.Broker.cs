using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>A job of an approval's current decision as a RabbitMQ worker sends it.</summary>
public sealed record JobForDelivery(DeliveryJob Job, int ScheduleStep, ApprovalStatus RequestedStatus, ServiceRule Rule);

/// <summary>An approval as a RabbitMQ worker's deliveries describe it, with its current decision's jobs by id.</summary>
public sealed record ApprovalForDelivery(ApprovalRecord Approval, IReadOnlyDictionary<Guid, JobForDelivery> Jobs);

/// <summary>
/// The approval store's statements for the RabbitMQ transport, whose workers read and record deliveries in batches:
/// one statement reads every approval a batch of messages names (Sql/ApprovalsForDelivery.sql), and one writes the
/// new state of every approval a batch of outcomes changed (Sql/ApprovalsResolve.sql).
/// </summary>
public sealed partial class ApprovalStore
{
    private static readonly SqlStatement ForDeliverySql = SqlStatement.Get("ApprovalsForDelivery");
    private static readonly SqlStatement LockManySql = SqlStatement.Get("ApprovalsLock");
    private static readonly SqlStatement ResolveSql = SqlStatement.Get("ApprovalsResolve");

    /// <summary>The approvals named (those that exist), each with its current decision's jobs and their rules.</summary>
    public async Task<Dictionary<Guid, ApprovalForDelivery>> ReadForDeliveriesAsync(IReadOnlyCollection<Guid> approvalIds, CancellationToken cancellationToken)
    {
        await using var command = ForDeliverySql.Bind(dataSource.CreateCommand(ForDeliverySql.Text), ("approval_ids", Value<Guid[]>([.. approvalIds])));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new Dictionary<Guid, ApprovalForDelivery>();
        const int job = ApprovalColumnCount + 1;
        const int rule = job + 9;
        const int traceParent = rule + 12;
        Dictionary<Guid, JobForDelivery>? jobs = null;
        ApprovalRecord? approval = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (approval is null || approval.Id != reader.GetGuid(0))
            {
                approval = ReadApprovalWithRules(reader);
                jobs = [];
                found[approval.Id] = new ApprovalForDelivery(approval, jobs);
            }

            if (reader.IsDBNull(job))
            {
                continue;
            }

            var row = ReadCurrentJobRow(reader, approval);
            row.TraceParent = reader.IsDBNull(traceParent) ? null : reader.GetString(traceParent);
            approval.DeliveryJobs.Add(row);
            jobs![row.Id] = new JobForDelivery(row, reader.GetInt32(job + 7), (ApprovalStatus)reader.GetInt16(job + 8), ServiceRuleStore.ReadRow(reader, rule));
        }

        return found;
    }

    /// <summary>Locks several approvals' rows (in id order), as <see cref="ReadApprovalRow"/> reads them.</summary>
    internal static NpgsqlBatchCommand LockManyCommand(Guid[] orderedIds) => LockManySql.BatchCommand(("approval_ids", Value(orderedIds)));

    /// <summary>
    /// Writes what recording a batch of delivery outcomes changed: each approval's new state (only what an outcome
    /// can change) and all their events, in the caller's unit of work.
    /// </summary>
    public static async Task SaveOutcomesAsync(UnitOfWork unit, IReadOnlyList<ApprovalChangeSet> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var readVersions = ApplyChanges(changes);

        var records = changes.Select(c => c.Record).ToList();
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            ResolveSql.BatchCommand(
                ("approval_ids", Value<Guid[]>([.. records.Select(r => r.Id)])),
                ("statuses", Value<short[]>([.. records.Select(r => (short)r.Status)])),
                ("previous_statuses", new NpgsqlParameter<short?[]> { TypedValue = [.. records.Select(r => (short?)r.PreviousStatus)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint }),
                ("versions", Value<int[]>([.. records.Select(r => r.Version)])),
                ("last_errors", new NpgsqlParameter<string?[]> { TypedValue = [.. records.Select(r => LastErrorJson(r.LastError))], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb }),
                ("read_versions", Value(readVersions))),
            ApprovalEventStore.AppendCommand([.. changes.SelectMany(c => c.Changed.Events)]));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var byId = records.ToDictionary(r => r.Id);
        var written = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            byId[reader.GetGuid(0)].UpdatedAt = reader.GetFieldValue<DateTimeOffset>(1);
            written++;
        }

        if (written != records.Count)
        {
            throw new InvalidOperationException($"{records.Count - written} of {records.Count} approvals were no longer at the version read under their lock.");
        }

        unit.EventsAppended();
    }
}
