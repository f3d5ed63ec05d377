using Approvals.Api.Auth;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// The admins' use cases on local groups (<c>/api/v1/groups</c>): create with members, list, read, replace the
/// members, add or remove one, delete. Members are named by username and must exist (disabled users may stay
/// members; they just cannot act). Every change makes people's groups be read again (<see cref="PersonResolver.Forget"/>).
/// </summary>
public sealed class GroupAdministration(PeopleStore store, PersonResolver resolver, TimeProvider clock)
{
    public const int MaxMembers = 1000;

    public async Task<Result<GroupResponse>> CreateAsync(string? name, string[]? members, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (GroupNames.Check(name) is { } badName)
        {
            errors.Add("name", badName);
        }

        CheckMembers(members ?? [], errors);
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        var memberIds = await MemberIdsAsync(members ?? [], cancellationToken);
        if (memberIds.Error is { } unknown)
        {
            return unknown;
        }

        if (await store.FindGroupAsync(name!, cancellationToken) is not null)
        {
            return NameTaken(name!);
        }

        var now = clock.GetUtcNow();
        var outcome = await store.AddGroupAsync(new Group { Id = Guid.CreateVersion7(now), Name = name!, CreatedAt = now }, memberIds.Value!, cancellationToken);
        if (outcome != SaveOutcome.Saved)
        {
            return outcome == SaveOutcome.Duplicate ? NameTaken(name!) : UnknownUsers(members!);
        }

        resolver.Forget();
        return GroupResponse.From((await store.FindGroupAsync(name!, cancellationToken))!);
    }

    public async Task<GroupPage> ListAsync(string? afterName, int limit, CancellationToken cancellationToken)
    {
        var rows = await store.ListGroupsAsync(afterName, limit, cancellationToken);
        return new GroupPage([.. rows.Select(r => new GroupSummaryResponse(r.Name, r.MemberCount, r.CreatedAt))], NameCursor.Next(rows, limit, r => r.Name));
    }

    public async Task<Result<GroupResponse>> GetAsync(string name, CancellationToken cancellationToken) =>
        await store.FindGroupAsync(name, cancellationToken) is { } group ? GroupResponse.From(group) : NotFound(name);

    public async Task<Result<GroupResponse>> ReplaceMembersAsync(string name, string[]? members, CancellationToken cancellationToken)
    {
        if (await store.FindGroupAsync(name, cancellationToken) is null)
        {
            return NotFound(name);
        }

        var errors = new FieldErrors();
        if (members is null)
        {
            errors.Add("members", "Required: the usernames of every member (empty for none).");
        }
        else
        {
            CheckMembers(members, errors);
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        var memberIds = await MemberIdsAsync(members!, cancellationToken);
        if (memberIds.Error is { } unknown)
        {
            return unknown;
        }

        var outcome = await store.ReplaceMembersAsync(name, memberIds.Value!, cancellationToken);
        return await AfterChangeAsync(name, outcome, members!, cancellationToken);
    }

    /// <summary>Adds one member; adding a member twice changes nothing.</summary>
    public async Task<Result<GroupResponse>> AddMemberAsync(string name, string username, CancellationToken cancellationToken)
    {
        if (await store.FindGroupAsync(name, cancellationToken) is not { } group)
        {
            return NotFound(name);
        }

        var memberIds = await MemberIdsAsync([username], cancellationToken);
        if (memberIds.Error is { } unknown)
        {
            return unknown;
        }

        var outcome = await store.AddMemberAsync(group.Id, memberIds.Value!.Single(), cancellationToken);
        return await AfterChangeAsync(name, outcome, [username], cancellationToken);
    }

    /// <summary>Removes one member; removing someone who is not a member changes nothing.</summary>
    public async Task<Result<GroupResponse>> RemoveMemberAsync(string name, string username, CancellationToken cancellationToken)
    {
        if (await store.FindGroupAsync(name, cancellationToken) is not { } group)
        {
            return NotFound(name);
        }

        await store.RemoveMemberAsync(group.Id, username, cancellationToken);
        resolver.Forget();
        return GroupResponse.From((await store.FindGroupAsync(name, cancellationToken))!);
    }

    public async Task<DomainError?> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (!await store.DeleteGroupAsync(name, cancellationToken))
        {
            return NotFound(name);
        }

        resolver.Forget();
        return null;
    }

    private async Task<Result<GroupResponse>> AfterChangeAsync(string name, SaveOutcome? outcome, string[] members, CancellationToken cancellationToken)
    {
        switch (outcome)
        {
            case null:
                return NotFound(name);
            case SaveOutcome.MissingReference:
                // The group or a member was deleted meanwhile.
                return await store.FindGroupAsync(name, cancellationToken) is null ? NotFound(name) : UnknownUsers(members);
            default:
                resolver.Forget();
                return await store.FindGroupAsync(name, cancellationToken) is { } group ? GroupResponse.From(group) : NotFound(name);
        }
    }

    private static void CheckMembers(string[] members, FieldErrors errors)
    {
        if (members.Length > MaxMembers)
        {
            errors.Add("members", $"At most {MaxMembers} members.");
        }
        else if (members.Any(m => string.IsNullOrEmpty(m) || m.Length > User.MaxUsernameLength || m.Any(char.IsControl)))
        {
            errors.Add("members", $"Usernames of 1 to {User.MaxUsernameLength} characters.");
        }
    }

    /// <summary>The members' user ids; 422 naming those that are no user.</summary>
    private async Task<Result<IReadOnlyCollection<Guid>>> MemberIdsAsync(string[] members, CancellationToken cancellationToken)
    {
        var distinct = members.Distinct(StringComparer.Ordinal).ToList();
        var ids = await store.UserIdsAsync(distinct, cancellationToken);
        var unknown = distinct.Where(m => !ids.ContainsKey(m)).ToList();
        return unknown.Count > 0 ? UnknownUsers(unknown) : ids.Values.Select(u => u.Id).ToList();
    }

    internal static DomainError NotFound(string name) => new(ErrorCodes.GroupNotFound, $"There is no group '{name}'.");

    private static DomainError NameTaken(string name) => new(ErrorCodes.GroupNameTaken, $"A group named '{name}' exists already.");

    private static DomainError UnknownUsers(IEnumerable<string> usernames) =>
        new(ErrorCodes.UnknownUsers, $"No such user: {string.Join(", ", usernames)}.");
}
