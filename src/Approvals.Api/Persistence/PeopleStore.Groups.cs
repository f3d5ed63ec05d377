using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Sql;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;
namespace Approvals.Api.Persistence;

/// <summary>A local group as listed: its name and how many members it has.</summary>
public sealed record GroupSummaryRow(string Name, int MemberCount, DateTimeOffset CreatedAt);

/// <summary>A local group with its members' usernames, in order.</summary>
public sealed record GroupRow(Guid Id, string Name, DateTimeOffset CreatedAt, string[] Members);

public sealed partial class PeopleStore
{
    private static readonly SqlStatement GroupMembersOfSql = SqlStatement.Get("GroupMembersOf");

    /// <summary>Ids, by name, of those of <paramref name="names"/> that are local groups.</summary>
    public async Task<Dictionary<string, Guid>> GroupIdsAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken) =>
        await db.Groups.AsNoTracking().Where(g => names.Contains(g.Name)).ToDictionaryAsync(g => g.Name, g => g.Id, StringComparer.Ordinal, cancellationToken);

    public Task<GroupRow?> FindGroupAsync(string name, CancellationToken cancellationToken) =>
        db.Groups.AsNoTracking().Where(g => g.Name == name)
            .Select(g => new GroupRow(g.Id, g.Name, g.CreatedAt, g.Members.Select(m => m.User!.Username).OrderBy(u => u).ToArray()))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Local groups ordered by name, after <paramref name="afterName"/> (keyset paging).</summary>
    public Task<List<GroupSummaryRow>> ListGroupsAsync(string? afterName, int limit, CancellationToken cancellationToken) =>
        db.Groups.AsNoTracking()
            .Where(g => afterName == null || string.Compare(g.Name, afterName) > 0)
            .OrderBy(g => g.Name)
            .Take(limit)
            .Select(g => new GroupSummaryRow(g.Name, g.Members.Count, g.CreatedAt))
            .ToListAsync(cancellationToken);

    public Task<SaveOutcome> AddGroupAsync(Group group, IReadOnlyCollection<Guid> memberIds, CancellationToken cancellationToken)
    {
        group.Members = [.. memberIds.Select(u => new GroupMember { GroupId = group.Id, UserId = u })];
        db.Groups.Add(group);
        return SaveAsync(cancellationToken);
    }

    /// <summary>Makes <paramref name="memberIds"/> the group's members, in one transaction. Null when there is no such group.</summary>
    public async Task<SaveOutcome?> ReplaceMembersAsync(string name, IReadOnlyCollection<Guid> memberIds, CancellationToken cancellationToken)
    {
        var group = await db.Groups.Include(g => g.Members).FirstOrDefaultAsync(g => g.Name == name, cancellationToken);
        if (group is null)
        {
            return null;
        }

        group.Members.RemoveAll(m => !memberIds.Contains(m.UserId));
        group.Members.AddRange(memberIds.Where(u => group.Members.All(m => m.UserId != u))
            .Select(u => new GroupMember { GroupId = group.Id, UserId = u }));
        return await SaveAsync(cancellationToken);
    }

    /// <summary>Adds one member; adding a member twice changes nothing.</summary>
    public async Task<SaveOutcome> AddMemberAsync(Guid groupId, Guid userId, CancellationToken cancellationToken)
    {
        if (await db.GroupMembers.AnyAsync(m => m.GroupId == groupId && m.UserId == userId, cancellationToken))
        {
            return SaveOutcome.Saved;
        }

        db.GroupMembers.Add(new GroupMember { GroupId = groupId, UserId = userId });
        var outcome = await SaveAsync(cancellationToken);

        // Added by a concurrent request: the member is there all the same.
        return outcome == SaveOutcome.Duplicate ? SaveOutcome.Saved : outcome;
    }

    public async Task RemoveMemberAsync(Guid groupId, string username, CancellationToken cancellationToken) =>
        await db.GroupMembers.Where(m => m.GroupId == groupId && m.User!.Username == username).ExecuteDeleteAsync(cancellationToken);

    /// <summary>Deletes the group and its memberships; false when there is no such group.</summary>
    public async Task<bool> DeleteGroupAsync(string name, CancellationToken cancellationToken) =>
        await db.Groups.Where(g => g.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>
    /// Which of <paramref name="names"/> are groups anyone is in: a local group, or a group the identity provider's
    /// group claim gave an enabled user on their last request.
    /// </summary>
    public async Task<List<string>> KnownGroupNamesAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var local = await db.Groups.AsNoTracking().Where(g => names.Contains(g.Name)).Select(g => g.Name).ToListAsync(cancellationToken);
        var remaining = names.Except(local, StringComparer.Ordinal).ToList();
        if (remaining.Count == 0)
        {
            return local;
        }

        var fromProvider = await db.Users.AsNoTracking().Where(u => !u.Disabled)
            .SelectMany(u => u.ProviderGroups).Where(g => remaining.Contains(g)).Distinct().ToListAsync(cancellationToken);
        return [.. local, .. fromProvider];
    }

    /// <summary>The enabled members of <paramref name="groups"/> (Sql/GroupMembersOf.sql), read by <see cref="ReadGroupMembersAsync"/>.</summary>
    public static NpgsqlBatchCommand GroupMembersCommand(IReadOnlyCollection<string> groups) =>
        GroupMembersOfSql.BatchCommand(("groups", SqlValues.Value<string[]>([.. groups])));

    /// <summary>The rows of <see cref="GroupMembersCommand"/> as a lookup: a group's usernames, ordered; none for a group without.</summary>
    public static async Task<Func<string, IReadOnlyList<string>>> ReadGroupMembersAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var group = reader.GetString(0);
            if (!members.TryGetValue(group, out var names))
            {
                members[group] = names = [];
            }

            names.Add(reader.GetString(1));
        }

        return group => members.TryGetValue(group, out var found) ? found : [];
    }

    /// <summary>The members of <paramref name="groups"/>, through the data source (no transaction of its own).</summary>
    public async Task<Func<string, IReadOnlyList<string>>> GroupMembersAsync(IReadOnlyCollection<string> groups, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(GroupMembersCommand(groups));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadGroupMembersAsync(reader, cancellationToken);
    }

    /// <summary>The members of <paramref name="groups"/>, in <paramref name="unit"/>'s transaction (a vote holding its approval's lock).</summary>
    public static async Task<Func<string, IReadOnlyList<string>>> GroupMembersInAsync(
        UnitOfWork unit, IReadOnlyCollection<string> groups, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, GroupMembersCommand(groups));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadGroupMembersAsync(reader, cancellationToken);
    }

    /// <summary>The people who delegated to <paramref name="delegateSubject"/> now, in <paramref name="unit"/>'s transaction.</summary>
    public static async Task<List<VotingPerson>> ActiveDelegatorsInAsync(
        UnitOfWork unit, string delegateSubject, DateTimeOffset now, Func<string, bool> isKnownRole, CancellationToken cancellationToken)
    {
        await using var batch = await unit.CreateBatchAsync(cancellationToken, ActiveDelegatorsCommand(delegateSubject, now));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadDelegatorsAsync(reader, isKnownRole, cancellationToken);
    }
}
