using Approvals.Api.Auth;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// What approval policies need to know about people: whether the users and groups a request names exist, who is in
/// a group, and who delegated to a caller. Scoped (it reads through the request's <see cref="PeopleStore"/>).
/// <list type="bullet">
/// <item>A user is known when they exist and are not disabled: a disabled user can never act.</item>
/// <item>A group is known when it is a local group, or when the identity provider's group claim gave it to an
/// enabled user on their last request. Its members are the enabled users in either (local membership or claim).</item>
/// <item>Usernames are exact (ordinal); with an identity provider a person's username is their token's subject.</item>
/// </list>
/// </summary>
public sealed class PeopleDirectory(PeopleStore store)
{
    /// <summary>The names among <paramref name="usernames"/> that are no enabled user, distinct, in the order given.</summary>
    public async Task<IReadOnlyList<string>> UnknownUsernamesAsync(IEnumerable<string> usernames, CancellationToken cancellationToken = default)
    {
        var wanted = usernames.Distinct(StringComparer.Ordinal).ToList();
        var known = (await store.EnabledUsernamesAsync(wanted, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        return [.. wanted.Where(name => !known.Contains(name))];
    }

    /// <summary>The names among <paramref name="groups"/> that are no group anyone is in, distinct, in the order given.</summary>
    public async Task<IReadOnlyList<string>> UnknownGroupsAsync(IEnumerable<string> groups, CancellationToken cancellationToken = default)
    {
        var wanted = groups.Distinct(StringComparer.Ordinal).ToList();
        var known = (await store.KnownGroupNamesAsync(wanted, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        return [.. wanted.Where(name => !known.Contains(name))];
    }

    /// <summary>
    /// 422 <c>approval.unknown_approver</c> naming the users and groups of <paramref name="stages"/> and
    /// <paramref name="escalation"/> that are unknown (<see cref="UnknownUsernamesAsync"/>, <see cref="UnknownGroupsAsync"/>); null when all are known.
    /// </summary>
    public async Task<DomainError?> UnknownApproversAsync(
        IReadOnlyList<ApprovalStage>? stages, Escalation? escalation, CancellationToken cancellationToken = default)
    {
        var named = (stages ?? []).SelectMany(s => s.Approvers).Concat(escalation?.Approvers ?? []).ToList();
        var users = named.Where(a => a.Kind == ApproverKind.User).Select(a => a.Name).ToList();
        var groups = named.Where(a => a.Kind == ApproverKind.Group).Select(a => a.Name).ToList();
        IReadOnlyList<string> unknownUsers = users.Count == 0 ? [] : await UnknownUsernamesAsync(users, cancellationToken);
        IReadOnlyList<string> unknownGroups = groups.Count == 0 ? [] : await UnknownGroupsAsync(groups, cancellationToken);
        return unknownUsers.Count + unknownGroups.Count == 0 ? null : ApprovalErrors.UnknownApprovers(unknownUsers, unknownGroups);
    }

    /// <summary>
    /// The members of every group that <paramref name="stages"/> count by member, as a lookup for the policy rules
    /// (a group not among them has none).
    /// </summary>
    public async Task<Func<string, IReadOnlyList<string>>> MembersOfAsync(IReadOnlyList<ApprovalStage> stages, CancellationToken cancellationToken = default)
    {
        var groups = MembersCountedGroups(stages);
        return groups.Count == 0 ? _ => [] : await store.GroupMembersAsync(groups, cancellationToken);
    }

    /// <summary>
    /// How people read each of <paramref name="actors"/> (as history records them): a user's username, a service
    /// key's client name, the system's job (<c>system:deadline</c> is "deadline (system)"). An actor that names no
    /// user any more reads as itself.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> NamesOfAsync(IEnumerable<string> actors, CancellationToken cancellationToken = default)
    {
        var distinct = actors.Distinct(StringComparer.Ordinal).ToList();
        var subjects = distinct.Where(a => a.StartsWith(Caller.UserPrefix, StringComparison.Ordinal)).Select(a => a[Caller.UserPrefix.Length..]).ToList();
        var usernames = subjects.Count == 0 ? [] : await store.UsernamesBySubjectAsync(subjects, cancellationToken);
        return distinct.ToDictionary(actor => actor, actor => actor switch
        {
            _ when actor.StartsWith(Caller.UserPrefix, StringComparison.Ordinal) => usernames.GetValueOrDefault(actor[Caller.UserPrefix.Length..]) ?? actor,
            _ when actor.StartsWith(Caller.ClientPrefix, StringComparison.Ordinal) => $"{actor[Caller.ClientPrefix.Length..]} (service)",
            _ when actor.StartsWith(Caller.SystemPrefix, StringComparison.Ordinal) => $"{actor[Caller.SystemPrefix.Length..]} (system)",
            _ => actor,
        }, StringComparer.Ordinal);
    }

    /// <summary>Whether a stored role is one the service knows (an identity provider's others count for nothing here).</summary>
    public static bool IsKnownRole(string role) => Roles.All.Contains(role);

    /// <summary>The groups whose members <paramref name="stages"/> count one by one.</summary>
    public static List<string> MembersCountedGroups(IReadOnlyList<ApprovalStage> stages) =>
        [.. stages.Where(s => s.Policy.Members).SelectMany(s => s.Approvers)
            .Where(a => a.Kind == ApproverKind.Group).Select(a => a.Name).Distinct(StringComparer.Ordinal)];

    /// <summary>Usernames of the group's enabled members (local members and those the provider's claim puts in it), ordered.</summary>
    public async Task<IReadOnlyList<string>> GroupMembersAsync(string group, CancellationToken cancellationToken = default) =>
        (await store.GroupMembersAsync([group], cancellationToken))(group);

    /// <summary>
    /// The enabled people whose delegation to the person acting as <paramref name="delegateActor"/> (<c>user:&lt;subject&gt;</c>)
    /// is active at <paramref name="now"/>, ordered by username; empty for anyone else (keys, the system). Their roles
    /// and groups are as stored: a local account's, or an identity provider's person's as of their last request.
    /// Delegations never chain (<see cref="DelegationRules"/>), so these people's own delegators are not included.
    /// </summary>
    public async Task<IReadOnlyList<VotingPerson>> ActiveDelegatorsAsync(string delegateActor, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        delegateActor.StartsWith(Caller.UserPrefix, StringComparison.Ordinal)
            ? await store.ActiveDelegatorsAsync(delegateActor[Caller.UserPrefix.Length..], now, IsKnownRole, cancellationToken)
            : [];
}
