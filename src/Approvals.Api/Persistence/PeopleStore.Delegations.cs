using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>One side of a delegation: the other person's username and the period.</summary>
public sealed record DelegationRow(string Username, DateTimeOffset From, DateTimeOffset Until);

public sealed partial class PeopleStore
{
    /// <summary>The advisory lock key of delegation writes (any bigint no other code of this database uses).</summary>
    public const long DelegationsLockKey = 0x4150_5044_454C_4547; // "APPDELEG"

    private static readonly SqlStatement LockDelegationsSql = SqlStatement.Get("DelegationsLock");
    private static readonly SqlStatement DelegationsInvolvingSql = SqlStatement.Get("DelegationsInvolving");
    private static readonly SqlStatement SaveDelegationSql = SqlStatement.Get("DelegationSave");
    private static readonly SqlStatement ActiveDelegatorsSql = SqlStatement.Get("DelegatorsActive");

    /// <summary>The person's delegation, unless there is none or it has ended.</summary>
    public Task<DelegationRow?> DelegationOfAsync(Guid delegatorId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (from d in db.Delegations.AsNoTracking()
         join delegate_ in db.Users on d.DelegateId equals delegate_.Id
         where d.DelegatorId == delegatorId && d.EndsAt > now
         select new DelegationRow(delegate_.Username, d.StartsAt, d.EndsAt))
        .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Who delegated to the person, for periods that have not ended, by start.</summary>
    public Task<List<DelegationRow>> DelegationsToAsync(Guid delegateId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (from d in db.Delegations.AsNoTracking()
         join delegator in db.Users on d.DelegatorId equals delegator.Id
         where d.DelegateId == delegateId && d.EndsAt > now
         orderby d.StartsAt, delegator.Username
         select new DelegationRow(delegator.Username, d.StartsAt, d.EndsAt))
        .ToListAsync(cancellationToken);

    /// <summary>
    /// The enabled people whose delegation to the person with <paramref name="delegateSubject"/> is active at
    /// <paramref name="now"/> (Sql/DelegatorsActive.sql); <see cref="ReadDelegatorsAsync"/> reads its rows. Every vote
    /// asks, in one round trip with the approval's stages (<see cref="ApprovalStore.ReadVoterContextAsync"/>).
    /// </summary>
    public static NpgsqlBatchCommand ActiveDelegatorsCommand(string delegateSubject, DateTimeOffset now) =>
        ActiveDelegatorsSql.BatchCommand(("delegate_subject", Value(delegateSubject)), ("now", Value(now)));

    /// <summary>The rows of <see cref="ActiveDelegatorsCommand"/>: each delegator as a voter, with the roles <paramref name="isKnownRole"/> keeps.</summary>
    public static async Task<List<VotingPerson>> ReadDelegatorsAsync(NpgsqlDataReader reader, Func<string, bool> isKnownRole, CancellationToken cancellationToken)
    {
        var delegators = new List<VotingPerson>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var groups = reader.GetFieldValue<string[]>(3).Union(reader.GetFieldValue<string[]>(4), StringComparer.Ordinal);
            delegators.Add(new VotingPerson(
                Caller.ForUser(reader.GetString(0)),
                reader.GetString(1),
                groups.ToHashSet(StringComparer.Ordinal),
                reader.GetFieldValue<string[]>(2).Where(isKnownRole).ToHashSet(StringComparer.Ordinal)));
        }

        return delegators;
    }

    public async Task<List<VotingPerson>> ActiveDelegatorsAsync(
        string delegateSubject, DateTimeOffset now, Func<string, bool> isKnownRole, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(ActiveDelegatorsCommand(delegateSubject, now));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadDelegatorsAsync(reader, isKnownRole, cancellationToken);
    }

    /// <summary>Ends the person's delegation; false when they had none.</summary>
    public async Task<bool> DeleteDelegationAsync(Guid delegatorId, CancellationToken cancellationToken) =>
        await db.Delegations.Where(d => d.DelegatorId == delegatorId).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>
    /// In <paramref name="unit"/>'s transaction: takes the delegation lock, held until the transaction ends, then reads
    /// every delegation that involves either person, for the rules to judge a new one against.
    /// </summary>
    public static async Task<List<Delegation>> LockDelegationsInvolvingAsync(
        UnitOfWork unit, Guid delegatorId, Guid delegateId, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken,
            LockDelegationsSql.BatchCommand(("lock_key", Value(DelegationsLockKey))),
            DelegationsInvolvingSql.BatchCommand(("people", Value<Guid[]>([delegatorId, delegateId]))));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var involved = new List<Delegation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            involved.Add(new Delegation(reader.GetString(0), reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return involved;
    }

    /// <summary>In <paramref name="unit"/>'s transaction: stores the person's delegation, replacing any they had.</summary>
    public static async Task SaveDelegationAsync(UnitOfWork unit, DelegationRecord delegation, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, SaveDelegationSql.BatchCommand(
            ("delegator_id", Value(delegation.DelegatorId)),
            ("delegate_id", Value(delegation.DelegateId)),
            ("starts_at", Value(delegation.StartsAt)),
            ("ends_at", Value(delegation.EndsAt)),
            ("created_at", Value(delegation.CreatedAt))));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
