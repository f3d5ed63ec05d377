using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Features;

/// <summary>
/// What approvals with named approvers need to know about people: which named users and groups exist, who the caller
/// is as a voter (username, groups, roles), who delegated to them, and a group's members.
/// </summary>
public sealed class ApproverDirectory(ApprovalsDbContext db)
{
    /// <summary>The named users and groups of <paramref name="stages"/> that do not exist.</summary>
    public async Task<(IReadOnlyList<string> Users, IReadOnlyList<string> Groups)> UnknownAsync(
        IReadOnlyList<ApprovalStage> stages, CancellationToken cancellationToken)
    {
        var users = Named(stages, ApproverKind.User);
        var groups = Named(stages, ApproverKind.Group);
        var knownUsers = users.Count == 0 ? [] : await db.Users.Where(u => users.Contains(u.Username)).Select(u => u.Username).ToListAsync(cancellationToken);
        return ([.. users.Except(knownUsers, StringComparer.Ordinal)], groups);
    }

    /// <summary>The caller as a voter; null for anyone but a known person.</summary>
    public async Task<VotingPerson?> PersonAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (!caller.IsPerson || !Guid.TryParse(caller.Actor.AsSpan(Caller.UserPrefix.Length), out var id))
        {
            return null;
        }

        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        return user is null ? null : new VotingPerson(caller.Actor, user.Username, new HashSet<string>(), new HashSet<string>(user.Roles, StringComparer.Ordinal));
    }

    /// <summary>The people who delegated to the caller and whose delegation is active at <paramref name="now"/>.</summary>
    public Task<IReadOnlyList<VotingPerson>> DelegatorsAsync(Caller caller, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VotingPerson>>([]);

    /// <summary>The usernames of the members of the groups <paramref name="stages"/> counts by member.</summary>
    public Task<Func<string, IReadOnlyList<string>>> MembersAsync(IReadOnlyList<ApprovalStage> stages, CancellationToken cancellationToken) =>
        Task.FromResult<Func<string, IReadOnlyList<string>>>(_ => []);

    private static List<string> Named(IReadOnlyList<ApprovalStage> stages, ApproverKind kind) =>
        [.. stages.SelectMany(s => s.Approvers).Where(a => a.Kind == kind).Select(a => a.Name).Distinct(StringComparer.Ordinal)];
}
