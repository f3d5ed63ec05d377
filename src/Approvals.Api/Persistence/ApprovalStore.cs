using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>
/// All hand-written SQL of <c>approvals</c> and <c>approval_service_rules</c>: reading one approval (the service's
/// hottest request, and every delivery reads one), locking one for a change, creating one, and writing a change with
/// its jobs and events in one batch. EF Core's query pipeline, materializer and SaveChanges cost about as much CPU as
/// the rest of such a request together (docs/benchmarks.md), so these are Npgsql statements read by hand; lists stay
/// with EF Core. Statements are in <c>Sql/</c>; the hot ones are mirrored by bench/pgbench, which reads the same files.
/// </summary>
public sealed partial class ApprovalStore(NpgsqlDataSource dataSource)
{
    private static readonly SqlStatement GetSql = SqlStatement.Get("ApprovalGet");
    private static readonly SqlStatement LockSql = SqlStatement.Get("ApprovalLock");
    private static readonly SqlStatement RulesSql = SqlStatement.Get("ApprovalServiceRules");
    private static readonly SqlStatement InsertSql = SqlStatement.Get("ApprovalInsert");
    private static readonly SqlStatement UpdateSql = SqlStatement.Get("ApprovalUpdate");
    private static readonly SqlStatement DeleteRulesSql = SqlStatement.Get("ApprovalServiceRulesDelete");
    private static readonly SqlStatement InsertRulesSql = SqlStatement.Get("ApprovalServiceRulesInsert");

    /// <summary>The number of columns of an approval's row (ApprovalGet.sql and ApprovalLock.sql start with them).</summary>
    internal const int ApprovalColumnCount = 22;

    /// <summary>
    /// An approval the caller may read, with its service rules and the delivery jobs of its current decision; one it
    /// may not read is reported as not found. Ownership is part of the query (<see cref="ApprovalAccessRules.ReadFilter"/>).
    /// </summary>
    public async Task<Result<ApprovalRecord>> GetAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        var (mayRead, createdBy) = ApprovalAccessRules.ReadFilter(caller);
        var approval = mayRead ? await GetAsync(id, createdBy, cancellationToken) : null;
        return approval is null ? ApprovalErrors.NotFound(id) : approval;
    }

    /// <summary>
    /// An approval with its service rules and the delivery jobs of its current decision, through the data source (no
    /// unit of work: one statement). <paramref name="createdBy"/> limits it to one creator's (null: anyone's).
    /// </summary>
    private async Task<ApprovalRecord?> GetAsync(Guid id, string? createdBy, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(GetCommand(id, createdBy));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadApprovalAsync(reader, cancellationToken);
    }

    /// <summary>An approval as <see cref="GetAsync(Guid, Caller, CancellationToken)"/> reads it, inside the unit's transaction.</summary>
    public static async Task<ApprovalRecord?> ReadInAsync(UnitOfWork unit, Guid id, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, GetCommand(id, createdBy: null));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadApprovalAsync(reader, cancellationToken);
    }

    /// <summary>
    /// The approval as a delivery describes it to a service, whoever created it, and the service rule it goes to, in
    /// one round trip: every delivery attempt reads both. Either is null when it does not exist.
    /// </summary>
    public async Task<(ApprovalRecord? Approval, ServiceRule? Rule)> ReadForDeliveryAsync(Guid id, int serviceRuleId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(GetCommand(id, createdBy: null));
        batch.BatchCommands.Add(ServiceRuleStore.GetCommand(serviceRuleId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var approval = await ReadApprovalAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var rule = await reader.ReadAsync(cancellationToken) ? ServiceRuleStore.ReadRow(reader) : null;
        return (approval, rule);
    }

    /// <summary>
    /// The approval with its service rules, its row locked until the unit of work ends (the version read is the
    /// concurrency token of its change). Null when there is no such approval.
    /// </summary>
    public static async Task<ApprovalRecord?> LockAsync(UnitOfWork unit, Guid id, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            LockCommand(id),
            RulesSql.BatchCommand(("approval_id", Value(id))));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadLockedAsync(reader, id, cancellationToken);
    }

    /// <summary>
    /// <see cref="LockAsync"/> for a vote by the person <paramref name="voterSubject"/>, with the people who delegated
    /// to them now (<see cref="PeopleStore.ActiveDelegatorsCommand"/>) in the same round trip.
    /// </summary>
    public static async Task<(ApprovalRecord? Approval, List<VotingPerson> Delegators)> LockForVoteAsync(
        UnitOfWork unit, Guid id, string voterSubject, DateTimeOffset now, Func<string, bool> isKnownRole, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            LockCommand(id),
            RulesSql.BatchCommand(("approval_id", Value(id))),
            PeopleStore.ActiveDelegatorsCommand(voterSubject, now));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var approval = await ReadLockedAsync(reader, id, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return (approval, await PeopleStore.ReadDelegatorsAsync(reader, isKnownRole, cancellationToken));
    }

    /// <summary>The locked row and, in the next result, its service rules; null (both results read) when there is no such approval.</summary>
    private static async Task<ApprovalRecord?> ReadLockedAsync(NpgsqlDataReader reader, Guid id, CancellationToken cancellationToken)
    {
        var approval = await reader.ReadAsync(cancellationToken) ? ReadApprovalRow(reader) : null;
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            approval?.ServiceRules.Add(new ApprovalServiceRule { ApprovalId = id, ServiceRuleId = reader.GetInt32(0), Position = reader.GetInt32(1) });
        }

        return approval;
    }

    /// <summary>Locks the approval's row (its columns, as <see cref="ReadApprovalRow"/> reads them).</summary>
    internal static NpgsqlBatchCommand LockCommand(Guid id) => LockSql.BatchCommand(("approval_id", Value(id)));

    /// <summary>
    /// Inserts a new approval with its service rules and its created event in one statement, only when every service
    /// rule it names exists and is enabled, and sets its <see cref="ApprovalRecord.UpdatedAt"/>. Returns null when it
    /// was written; otherwise the rules that are usable (nothing was written).
    /// </summary>
    public static async Task<int[]?> InsertAsync(
        UnitOfWork unit, ApprovalRecord approval, ApprovalEvent created, IReadOnlyList<ApprovalTimer> timers, CancellationToken cancellationToken)
    {
        await using var command = InsertSql.Bind(unit.CreateCommand(InsertSql.Text), [.. TimerValues(timers),
            ("service_rules", Value<int[]>([.. approval.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId)])),
            ("approval_id", Value(approval.Id)),
            ("title", Value(approval.Title)),
            ("description", Value(approval.Description)),
            ("comment", Value(approval.Comment)),
            ("status", Value((short)approval.Status)),
            ("deadline", Value(approval.Deadline)),
            ("on_deadline", OnDeadline(approval.OnDeadline)),
            ("remind_before", Value(approval.RemindBefore)),
            ("actor", Value(approval.CreatedBy)),
            ("occurred_at", Value(approval.CreatedAt)),
            ("version", Value(approval.Version)),
            ("stages", Json(approval.Stages)),
            ("open_stage", new NpgsqlParameter<short?> { TypedValue = approval.OpenStage, NpgsqlDbType = NpgsqlDbType.Smallint }),
            ("open_seats", OpenSeats(approval.OpenSeats)),
            ("escalation", Json(approval.Escalation)),
            ("event_id", Value(created.Id)),
            ("event_type", Value(created.Type.ToWireName())),
            ("data", new NpgsqlParameter<string> { TypedValue = ApprovalEventData.Write(created), NpgsqlDbType = NpgsqlDbType.Jsonb }),
            ("correlation_id", Text(created.CorrelationId))]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.IsDBNull(0))
        {
            return reader.GetFieldValue<int[]>(1);
        }

        approval.UpdatedAt = reader.GetFieldValue<DateTimeOffset>(0);
        unit.EventsAppended();
        return null;
    }

    /// <summary>
    /// Writes one change in the unit's transaction, in one round trip: the superseded jobs, the approval's new state
    /// (under the version it was read at), its replaced service rules, the new jobs, the timers it scheduled and the
    /// events. Sets the approval's <see cref="ApprovalRecord.UpdatedAt"/> and the new jobs' due times, and collects
    /// the jobs handed to this process's dispatcher.
    /// </summary>
    public static Task SaveAsync(UnitOfWork unit, ApprovalChangeSet change, CancellationToken cancellationToken) =>
        SaveAllAsync(unit, [change], lastWrite: false, cancellationToken);

    /// <summary>
    /// <see cref="SaveAsync"/> for a use case that writes nothing after it: when the unit's owner allows it
    /// (<see cref="UnitOfWork.LetLastWriteCommit"/>), the COMMIT goes in the same round trip. A version that no longer
    /// matches still fails before it: the approval's version is its last event's sequence, so the events would repeat
    /// sequences of the approval's (unique), which aborts the transaction.
    /// </summary>
    public static Task SaveAsLastWriteAsync(UnitOfWork unit, ApprovalChangeSet change, CancellationToken cancellationToken) =>
        SaveAllAsync(unit, [change], lastWrite: true, cancellationToken);

    /// <summary>
    /// Sets each record to its aggregate's new state and returns the versions they were read at (the concurrency tokens
    /// of the writes); every change must have raised its events.
    /// </summary>
    internal static int[] ApplyChanges(IReadOnlyList<ApprovalChangeSet> changes)
    {
        var readVersions = new int[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].Changed.Events.Count == 0)
            {
                throw new InvalidOperationException("Every change to an approval writes its events.");
            }

            readVersions[i] = changes[i].Record.Version;
            changes[i].Record.CopyFrom(changes[i].Changed);
        }

        return readVersions;
    }

    /// <summary>Writes several approvals' changes as <see cref="SaveAsync"/> writes one, all in one round trip.</summary>
    public static Task SaveAllAsync(UnitOfWork unit, IReadOnlyList<ApprovalChangeSet> changes, CancellationToken cancellationToken) =>
        SaveAllAsync(unit, changes, lastWrite: false, cancellationToken);

    private static async Task SaveAllAsync(UnitOfWork unit, IReadOnlyList<ApprovalChangeSet> changes, bool lastWrite, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        await using var batch = await unit.CreateBatchAsync(cancellationToken);
        var readVersions = ApplyChanges(changes);
        for (var i = 0; i < changes.Count; i++)
        {
            AddChangeCommands(batch, changes[i], readVersions[i]);
        }

        batch.BatchCommands.Add(ApprovalEventStore.AppendCommand([.. changes.SelectMany(c => c.Changed.Events)]));
        var commits = lastWrite && unit.TryCommitWith(batch);

        // Carrying the COMMIT, the write is not cancelled half-way (the owner's commit never was): a client that has gone
        // must not leave it unknown whether the change committed, and so whether to announce it.
        if (commits)
        {
            cancellationToken = CancellationToken.None;
        }

        // Only the approvals' updates and the jobs' inserts return rows (Npgsql's reader skips the other statements);
        // disposing the reader reads the rest, the COMMIT's outcome included.
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            for (var i = 0; i < changes.Count; i++)
            {
                var change = changes[i];
                if ((i > 0 && !await reader.NextResultAsync(cancellationToken)) || !await reader.ReadAsync(cancellationToken))
                {
                    throw new InvalidOperationException($"Approval {change.Record.Id} is no longer at version {readVersions[i]}.");
                }

                change.Record.UpdatedAt = reader.GetFieldValue<DateTimeOffset>(0);
                if (change.NewJobs.Count > 0 && await reader.NextResultAsync(cancellationToken))
                {
                    change.HandedOffJobs.AddRange(await DeliveryJobStore.ReadInsertedAsync(reader, change.NewJobs, change.HandOff, cancellationToken));
                }
            }
        }

        unit.EventsAppended();
        if (commits)
        {
            unit.CommittedWithLastWrite();
        }
    }

    /// <summary>One change's statements (its events are appended with the others').</summary>
    private static void AddChangeCommands(NpgsqlBatch batch, ApprovalChangeSet change, int readVersion)
    {
        var approval = change.Record;
        if (change.OpenJobsSupersededAt is { } supersededAt)
        {
            batch.BatchCommands.Add(DeliveryJobStore.SupersedeCommand(approval.Id, supersededAt));
        }

        batch.BatchCommands.Add(UpdateSql.BatchCommand(
            ("approval_id", Value(approval.Id)),
            ("title", Value(approval.Title)),
            ("description", Value(approval.Description)),
            ("comment", Value(approval.Comment)),
            ("deadline", Value(approval.Deadline)),
            ("on_deadline", OnDeadline(approval.OnDeadline)),
            ("remind_before", Value(approval.RemindBefore)),
            ("status", Value((short)approval.Status)),
            ("previous_status", new NpgsqlParameter<short?> { TypedValue = (short?)approval.PreviousStatus, NpgsqlDbType = NpgsqlDbType.Smallint }),
            ("version", Value(approval.Version)),
            ("current_decision_id", new NpgsqlParameter<Guid?> { TypedValue = approval.CurrentDecisionId, NpgsqlDbType = NpgsqlDbType.Uuid }),
            ("last_error", new NpgsqlParameter<string?> { TypedValue = LastErrorJson(approval.LastError), NpgsqlDbType = NpgsqlDbType.Jsonb }),
            ("stages", Json(approval.Stages)),
            ("open_stage", new NpgsqlParameter<short?> { TypedValue = approval.OpenStage, NpgsqlDbType = NpgsqlDbType.Smallint }),
            ("open_seats", OpenSeats(approval.OpenSeats)),
            ("votes", Json(approval.Votes)),
            ("escalation", Json(approval.Escalation)),
            ("read_version", Value(readVersion))));

        if (change.Changed.ServiceRulesReplaced)
        {
            batch.BatchCommands.Add(DeleteRulesSql.BatchCommand(("approval_id", Value(approval.Id))));
            batch.BatchCommands.Add(InsertRulesSql.BatchCommand(
                ("approval_id", Value(approval.Id)),
                ("service_rules", Value<int[]>([.. approval.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId)]))));
        }

        if (change.NewJobs.Count > 0)
        {
            batch.BatchCommands.Add(DeliveryJobStore.InsertCommand(change.NewJobs, change.HandOff));
        }

        if (change.Changed.TimersScheduled.Count > 0)
        {
            batch.BatchCommands.Add(TimersInsertCommand(approval.Id, change.Changed.TimersScheduled, change.Changed.Events[^1].OccurredAt));
        }
    }

    private static NpgsqlParameter<string?> Json(string? json) => new() { TypedValue = json, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static NpgsqlParameter<string[]?> OpenSeats(string[]? seats) =>
        new() { TypedValue = seats, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>An approval from the first <see cref="ApprovalColumnCount"/> columns of the current row (without its rules and jobs).</summary>
    internal static ApprovalRecord ReadApprovalRow(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        Title = reader.GetString(1),
        Description = reader.GetString(2),
        Comment = reader.GetString(3),
        Status = (ApprovalStatus)reader.GetInt16(4),
        PreviousStatus = reader.IsDBNull(5) ? null : (ApprovalStatus)reader.GetInt16(5),
        Deadline = reader.GetFieldValue<DateTimeOffset>(6),
        CreatedBy = reader.GetString(7),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(9),
        Version = reader.GetInt32(10),
        CurrentDecisionId = reader.IsDBNull(11) ? null : reader.GetGuid(11),
        LastError = reader.IsDBNull(12) ? null : new DeliveryError(
            reader.GetString(12),
            reader.GetString(13),
            reader.IsDBNull(14) ? null : reader.GetInt32(14),
            reader.GetFieldValue<DateTimeOffset>(15)),
        OnDeadline = reader.IsDBNull(16) ? null : (DeadlineAction)reader.GetInt16(16),
        RemindBefore = reader.GetFieldValue<string[]>(17),
        Stages = reader.IsDBNull(18) ? null : reader.GetString(18),
        OpenStage = reader.IsDBNull(19) ? null : reader.GetInt16(19),
        Votes = reader.IsDBNull(20) ? null : reader.GetString(20),
        Escalation = reader.IsDBNull(21) ? null : reader.GetString(21),
    };

    /// <summary>An approval as ApprovalGet.sql's columns give it: the row, then its service rules (an array, in order).</summary>
    internal static ApprovalRecord ReadApprovalWithRules(NpgsqlDataReader reader)
    {
        var approval = ReadApprovalRow(reader);
        var rules = reader.GetFieldValue<int[]>(ApprovalColumnCount);
        for (var position = 0; position < rules.Length; position++)
        {
            approval.ServiceRules.Add(new ApprovalServiceRule { ApprovalId = approval.Id, ServiceRuleId = rules[position], Position = position });
        }

        return approval;
    }

    /// <summary>A job of the approval's current decision, from ApprovalGet.sql's job columns (after the rules).</summary>
    internal static DeliveryJob ReadCurrentJobRow(NpgsqlDataReader reader, ApprovalRecord approval)
    {
        const int first = ApprovalColumnCount + 1;
        return new DeliveryJob
        {
            Id = reader.GetGuid(first),
            ApprovalId = approval.Id,
            DecisionId = approval.CurrentDecisionId!.Value,
            ServiceRuleId = reader.GetInt32(first + 1),
            State = (DeliveryState)reader.GetInt16(first + 2),
            Attempts = reader.GetInt32(first + 3),
            ReportedStatus = reader.IsDBNull(first + 4) ? null : (ApprovalStatus)reader.GetInt16(first + 4),
            NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(first + 5),
            LastError = reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
        };
    }

    private static NpgsqlBatchCommand GetCommand(Guid id, string? createdBy) => GetSql.BatchCommand(
        ("approval_id", Value(id)),
        ("created_by", Text(createdBy)));

    /// <summary>The approval with its rules and jobs from the rows of ApprovalGet.sql; leaves the reader at the end of that result.</summary>
    private static async Task<ApprovalRecord?> ReadApprovalAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var approval = ReadApprovalWithRules(reader);
        do
        {
            if (reader.IsDBNull(ApprovalColumnCount + 1))
            {
                break;
            }

            approval.DeliveryJobs.Add(ReadCurrentJobRow(reader, approval));
        }
        while (await reader.ReadAsync(cancellationToken));

        return approval;
    }

    /// <summary>The JSON EF Core maps <see cref="DeliveryError"/> to (ApprovalConfiguration): its members by name.</summary>
    internal static string? LastErrorJson(DeliveryError? error) =>
        error is null ? null : JsonText.Write(error, static (json, error) => ApprovalEventData.WriteDeliveryError(json, error, naming: null));
}
