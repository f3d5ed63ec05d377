using Approvals.Api.Auth;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Features;

/// <summary>
/// The admins' use cases on users (<c>/api/v1/users</c>): create with a one-time password, list, read, change roles,
/// local groups and whether disabled, and reset the password. With an identity provider, users are created without
/// a password (named by the subject the provider will send, so admins can put them in groups before they first sign
/// in), and their roles are the provider's.
/// </summary>
public sealed class UserAdministration(PeopleStore store, UserAccounts accounts, PersonResolver resolver, IOptions<JwtOptions> jwt)
{
    public const int MaxGroupsPerUser = 100;

    private bool External => jwt.Value.UsesAuthority;

    public async Task<Result<UserWithPasswordResponse>> CreateAsync(string? username, string[]? roles, string[]? groups, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (CheckUsername(username) is { } badName)
        {
            errors.Add("username", badName);
        }

        if (External && roles is { Length: > 0 })
        {
            errors.Add("roles", "With an identity provider, roles come from its role claim.");
        }
        else
        {
            CheckRoles(roles, errors, required: !External);
        }

        CheckGroups(groups, errors);
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        var groupIds = await GroupIdsAsync(groups ?? [], cancellationToken);
        if (groupIds.Error is { } unknownGroups)
        {
            return unknownGroups;
        }

        if (await store.UsernameTakenAsync(username!, cancellationToken))
        {
            return UsernameTaken(username!);
        }

        var password = External ? null : UserAccounts.GeneratePassword();
        var (user, outcome) = await accounts.CreateAsync(username!, password, Distinct(roles ?? []), groupIds.Value!, passwordChangeRequired: true, cancellationToken);
        if (outcome != SaveOutcome.Saved)
        {
            return outcome == SaveOutcome.Duplicate ? UsernameTaken(username!) : UnknownGroups(groups!);
        }

        var created = await store.FindBySubjectAsync(user.Subject, cancellationToken);
        return new UserWithPasswordResponse(UserResponse.From(created!), password);
    }

    public async Task<UserPage> ListAsync(string? afterUsername, int limit, CancellationToken cancellationToken)
    {
        var rows = await store.ListUsersAsync(afterUsername, limit, cancellationToken);
        return new UserPage([.. rows.Select(UserResponse.From)], NameCursor.Next(rows, limit, r => r.Username));
    }

    public async Task<Result<UserResponse>> GetAsync(string username, CancellationToken cancellationToken) =>
        await store.FindByUsernameAsync(username, cancellationToken) is { } row ? UserResponse.From(row) : NotFound(username);

    /// <summary>Changes what is given; <paramref name="groups"/> replaces the local groups. Admins cannot lock themselves out.</summary>
    public async Task<Result<UserResponse>> UpdateAsync(
        string username, string[]? roles, string[]? groups, bool? disabled, Caller caller, CancellationToken cancellationToken)
    {
        if (await store.FindByUsernameAsync(username, cancellationToken) is not { } user)
        {
            return NotFound(username);
        }

        var errors = new FieldErrors();
        if (roles is not null && External)
        {
            errors.Add("roles", "With an identity provider, roles come from its role claim.");
        }
        else if (roles is not null)
        {
            CheckRoles(roles, errors, required: false);
        }

        CheckGroups(groups, errors);
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        // Whoever administers people must not be able to shut themselves out by mistake; another admin can.
        if (caller.IsPerson && caller.Username == user.Username && (disabled == true || (roles is not null && !roles.Contains(Roles.Admin))))
        {
            return new DomainError(ErrorCodes.UserSelfLockout,
                "Admins cannot disable themselves or take away their own admin role; another admin can.");
        }

        IReadOnlyCollection<Guid>? groupIds = null;
        if (groups is not null)
        {
            var found = await GroupIdsAsync(groups, cancellationToken);
            if (found.Error is { } unknownGroups)
            {
                return unknownGroups;
            }

            groupIds = found.Value;
        }

        var outcome = await store.UpdateUserAsync(user.Id, roles is null ? null : Distinct(roles), groupIds, disabled, cancellationToken);
        if (outcome is null)
        {
            return NotFound(username);
        }

        if (outcome != SaveOutcome.Saved)
        {
            return UnknownGroups(groups!);
        }

        resolver.Forget();
        return UserResponse.From((await store.FindByUsernameAsync(username, cancellationToken))!);
    }

    /// <summary>A new one-time password for a local account; tokens issued before keep working until they expire.</summary>
    public async Task<Result<UserWithPasswordResponse>> ResetPasswordAsync(string username, CancellationToken cancellationToken)
    {
        if (await store.FindAccountAsync(username, cancellationToken) is not { } user)
        {
            return NotFound(username);
        }

        var password = await accounts.ResetPasswordAsync(user, cancellationToken);
        return new UserWithPasswordResponse(UserResponse.From((await store.FindByUsernameAsync(username, cancellationToken))!), password);
    }

    internal static DomainError NotFound(string username) =>
        new(ErrorCodes.UserNotFound, $"There is no user '{username}'.");

    /// <summary>
    /// Locally: the rules of <see cref="UserAccounts.CheckUsername"/>. With a provider: the subject it sends, printable
    /// ASCII. Never <c>me</c>, which <c>/api/v1/users/me</c> means.
    /// </summary>
    private string? CheckUsername(string? username) => username == "me"
        ? "'me' is reserved: /api/v1/users/me is the signed-in person."
        : External
        ? string.IsNullOrEmpty(username) || username.Length > Persistence.Data.User.MaxUsernameLength || !username.All(c => c is > ' ' and <= '~')
            ? $"With an identity provider a username is the subject it sends: 1 to {Persistence.Data.User.MaxUsernameLength} printable ASCII characters."
            : null
        : UserAccounts.CheckUsername(username);

    private static void CheckRoles(string[]? roles, FieldErrors errors, bool required)
    {
        if (roles is null ? required : roles.Any(r => !Roles.All.Contains(r)))
        {
            errors.Add("roles", $"A list of roles, each one of {string.Join(", ", Roles.All)}.");
        }
    }

    private static void CheckGroups(string[]? groups, FieldErrors errors)
    {
        if (groups is { Length: > MaxGroupsPerUser })
        {
            errors.Add("groups", $"At most {MaxGroupsPerUser} groups.");
        }
        else if (groups is not null && Array.FindIndex(groups, g => GroupNames.Check(g) is not null) is >= 0 and var at)
        {
            errors.Add("groups", $"'{groups[at]}' is not a group name: {GroupNames.Check(groups[at])}");
        }
    }

    /// <summary>The local groups' ids; 422 naming those that do not exist.</summary>
    private async Task<Result<IReadOnlyCollection<Guid>>> GroupIdsAsync(string[] groups, CancellationToken cancellationToken)
    {
        var ids = await store.GroupIdsAsync([.. groups.Distinct(StringComparer.Ordinal)], cancellationToken);
        var unknown = groups.Where(g => !ids.ContainsKey(g)).Distinct(StringComparer.Ordinal).ToList();
        return unknown.Count > 0 ? UnknownGroups(unknown) : ids.Values;
    }

    private static string[] Distinct(IEnumerable<string> values) => [.. values.Distinct(StringComparer.Ordinal)];

    private static DomainError UnknownGroups(IEnumerable<string> groups) =>
        new(ErrorCodes.UnknownGroups, $"No such group: {string.Join(", ", groups)}. Create groups first (/api/v1/groups).");

    private static DomainError UsernameTaken(string username) =>
        new(ErrorCodes.UsernameTaken, $"A user named '{username}' (in any letter case) exists already.");
}
