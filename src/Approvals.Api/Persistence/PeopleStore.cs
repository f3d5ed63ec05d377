using System.Linq.Expressions;
using Approvals.Api.Persistence.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Persistence;

/// <summary>A user as the service reads them, with the names of their local groups; never their password hash.</summary>
public sealed record UserRow(
    Guid Id,
    string Username,
    string Subject,
    bool HasPassword,
    string[] Roles,
    string[] ProviderGroups,
    bool Disabled,
    bool PasswordChangeRequired,
    DateTimeOffset CreatedAt,
    string[] LocalGroups)
{
    /// <summary>Every group the person is in: their local groups and the identity provider's, as last seen.</summary>
    public IEnumerable<string> Groups => LocalGroups.Union(ProviderGroups, StringComparer.Ordinal);
}

/// <summary>How a write that the database's keys may refuse ended.</summary>
public enum SaveOutcome
{
    Saved,

    /// <summary>A unique key refused it: the name is taken (perhaps by a concurrent request).</summary>
    Duplicate,

    /// <summary>A foreign key refused it: something it names was deleted meanwhile.</summary>
    MissingReference,
}

/// <summary>
/// All reads and writes of people: <c>users</c>, <c>groups</c> with <c>group_members</c>, and <c>delegations</c>
/// (in <c>PeopleStore.Groups.cs</c> and <c>PeopleStore.Delegations.cs</c>). EF Core, as users were stored before;
/// the delegation rules need a read and a write under one lock, which run as SQL in the request's
/// <see cref="UnitOfWork"/>. Scoped: it works on the request's <see cref="ApprovalsDbContext"/>.
/// </summary>
public sealed partial class PeopleStore(ApprovalsDbContext db, NpgsqlDataSource dataSource)
{
    private static readonly Expression<Func<User, UserRow>> ToRow = u => new UserRow(
        u.Id, u.Username, u.Subject, u.PasswordHash != null, u.Roles, u.ProviderGroups, u.Disabled, u.PasswordChangeRequired, u.CreatedAt,
        u.Memberships.Select(m => m.Group!.Name).OrderBy(n => n).ToArray());

    public Task<UserRow?> FindBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.Subject == subject).Select(ToRow).FirstOrDefaultAsync(cancellationToken);

    public Task<UserRow?> FindByUsernameAsync(string username, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.Username == username).Select(ToRow).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The account with its password hash, for signing in and changing the password.</summary>
    public Task<User?> FindAccountAsync(string username, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username, cancellationToken);

    public Task<User?> FindAccountAsync(Guid id, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken);

    /// <summary>Users ordered by username, after <paramref name="afterUsername"/> (keyset paging).</summary>
    public Task<List<UserRow>> ListUsersAsync(string? afterUsername, int limit, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking()
            .Where(u => afterUsername == null || string.Compare(u.Username, afterUsername) > 0)
            .OrderBy(u => u.Username)
            .Take(limit)
            .Select(ToRow)
            .ToListAsync(cancellationToken);

    /// <summary>Whether a user has this name in any letter case, so no two people differ only by case.</summary>
    public Task<bool> UsernameTakenAsync(string username, CancellationToken cancellationToken) =>
        db.Users.AnyAsync(u => u.Username.ToLower() == username.ToLower(), cancellationToken);

    /// <summary>Adds a user together with their local groups, in one transaction.</summary>
    public Task<SaveOutcome> AddUserAsync(User user, IReadOnlyCollection<Guid> groupIds, CancellationToken cancellationToken)
    {
        user.Memberships = [.. groupIds.Select(g => new GroupMember { GroupId = g, UserId = user.Id })];
        db.Users.Add(user);
        return SaveAsync(cancellationToken);
    }

    /// <summary>Changes what is given (null: unchanged); <paramref name="groupIds"/> replaces the local groups. Null when there is no such user.</summary>
    public async Task<SaveOutcome?> UpdateUserAsync(
        Guid id, string[]? roles, IReadOnlyCollection<Guid>? groupIds, bool? disabled, CancellationToken cancellationToken)
    {
        var user = await db.Users.Include(u => u.Memberships).FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return null;
        }

        user.Roles = roles ?? user.Roles;
        user.Disabled = disabled ?? user.Disabled;
        if (groupIds is not null)
        {
            user.Memberships.RemoveAll(m => !groupIds.Contains(m.GroupId));
            user.Memberships.AddRange(groupIds.Where(g => user.Memberships.All(m => m.GroupId != g))
                .Select(g => new GroupMember { GroupId = g, UserId = id }));
        }

        return await SaveAsync(cancellationToken);
    }

    /// <summary>Sets a new password hash; <paramref name="changeRequired"/> marks it as a one-time password.</summary>
    public async Task SetPasswordAsync(Guid id, string hash, bool changeRequired, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(
            s => s.SetProperty(u => u.PasswordHash, hash).SetProperty(u => u.PasswordChangeRequired, changeRequired), cancellationToken);

    /// <summary>Re-hashes a password in a newer format, keeping everything else.</summary>
    public async Task UpgradePasswordHashAsync(Guid id, string oldHash, string newHash, CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.Id == id && u.PasswordHash == oldHash)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, newHash), cancellationToken);

    /// <summary>
    /// Someone an identity provider signed in: recorded the first time they are seen (named by their subject, without
    /// a password), and their roles and groups remembered as of their latest token. No row when their subject is the
    /// name of another account, which is then left alone.
    /// </summary>
    public async Task<(UserRow? Row, bool FirstSeen)> RecordSeenAsync(
        string subject, string[] roles, string[] providerGroups, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var known = await FindBySubjectAsync(subject, cancellationToken);
        if (known is null)
        {
            var user = new User
            {
                Id = Guid.CreateVersion7(now),
                Username = subject,
                Subject = subject,
                Roles = roles,
                ProviderGroups = providerGroups,
                CreatedAt = now,
            };
            db.Users.Add(user);
            var outcome = await SaveAsync(cancellationToken);
            db.Entry(user).State = EntityState.Detached;

            // A concurrent first request may have recorded them: then that row is theirs.
            return outcome == SaveOutcome.Saved
                ? (new UserRow(user.Id, subject, subject, false, roles, providerGroups, false, false, now, []), true)
                : (await FindBySubjectAsync(subject, cancellationToken), false);
        }

        if (known.Roles.SequenceEqual(roles, StringComparer.Ordinal) && known.ProviderGroups.SequenceEqual(providerGroups, StringComparer.Ordinal))
        {
            return (known, false);
        }

        await db.Users.Where(u => u.Id == known.Id).ExecuteUpdateAsync(
            s => s.SetProperty(u => u.Roles, roles).SetProperty(u => u.ProviderGroups, providerGroups), cancellationToken);
        return (known with { Roles = roles, ProviderGroups = providerGroups }, false);
    }

    /// <summary>The enabled users among <paramref name="usernames"/>.</summary>
    public Task<List<string>> EnabledUsernamesAsync(IReadOnlyCollection<string> usernames, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => usernames.Contains(u.Username) && !u.Disabled).Select(u => u.Username).ToListAsync(cancellationToken);

    /// <summary>Usernames by subject, of those of <paramref name="subjects"/> that are users.</summary>
    public async Task<Dictionary<string, string>> UsernamesBySubjectAsync(IReadOnlyCollection<string> subjects, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => subjects.Contains(u.Subject))
            .ToDictionaryAsync(u => u.Subject, u => u.Username, StringComparer.Ordinal, cancellationToken);

    /// <summary>Ids and whether disabled, by username, of those of <paramref name="usernames"/> that exist.</summary>
    public async Task<Dictionary<string, (Guid Id, bool Disabled)>> UserIdsAsync(IReadOnlyCollection<string> usernames, CancellationToken cancellationToken) =>
        (await db.Users.AsNoTracking().Where(u => usernames.Contains(u.Username))
            .Select(u => new { u.Username, u.Id, u.Disabled }).ToListAsync(cancellationToken))
        .ToDictionary(u => u.Username, u => (u.Id, u.Disabled), StringComparer.Ordinal);

    /// <summary>
    /// Saves the tracked changes. The checks before a write answer the common case; when a concurrent request wins
    /// the race between check and write, the database's keys refuse it and the caller gets the same answer.
    /// </summary>
    private async Task<SaveOutcome> SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return SaveOutcome.Saved;
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation } postgres)
        {
            db.ChangeTracker.Clear();
            return postgres.SqlState == PostgresErrorCodes.UniqueViolation ? SaveOutcome.Duplicate : SaveOutcome.MissingReference;
        }
    }
}
