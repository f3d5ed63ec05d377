using System.Buffers.Text;
using System.Text;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// A user as admins see them. <c>groups</c> are their local groups (what <c>PATCH</c> sets); <c>providerGroups</c>
/// the identity provider's group claim as of their last request. <c>actor</c> is how history names them.
/// </summary>
public sealed record UserResponse(
    Guid Id,
    string Username,
    string Actor,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> ProviderGroups,
    bool Disabled,
    bool PasswordChangeRequired,
    DateTimeOffset CreatedAt)
{
    public static UserResponse From(UserRow row) => new(row.Id, row.Username, Caller.ForUser(row.Subject), row.Roles, row.LocalGroups,
        row.ProviderGroups, row.Disabled, row.PasswordChangeRequired, row.CreatedAt);
}

/// <summary>
/// Returned when a user is created or their password reset: the only time the one-time password leaves the service.
/// Null with an identity provider, where people have no password here.
/// </summary>
public sealed record UserWithPasswordResponse(UserResponse User, string? OneTimePassword);

public sealed record UserPage(IReadOnlyList<UserResponse> Items, string? NextCursor);

public sealed record GroupSummaryResponse(string Name, int MemberCount, DateTimeOffset CreatedAt);

public sealed record GroupPage(IReadOnlyList<GroupSummaryResponse> Items, string? NextCursor);

/// <summary>A local group and its members' usernames, in order.</summary>
public sealed record GroupResponse(string Name, IReadOnlyList<string> Members, DateTimeOffset CreatedAt)
{
    public static GroupResponse From(GroupRow row) => new(row.Name, row.Members, row.CreatedAt);
}

/// <summary>The caller's delegation: <c>to</c> acts for them from <c>from</c> until <c>until</c>; <c>active</c> right now.</summary>
public sealed record DelegationResponse(string To, DateTimeOffset From, DateTimeOffset Until, bool Active);

/// <summary>Someone who delegated to the caller, for a period that has not ended.</summary>
public sealed record DelegatorResponse(string Username, DateTimeOffset From, DateTimeOffset Until, bool Active);

/// <summary>
/// The signed-in person: <c>roles</c> and <c>groups</c> are the ones that count for them now (local groups and the
/// identity provider's claim together), their own delegation, and who delegated to them.
/// </summary>
public sealed record MeResponse(
    Guid Id,
    string Username,
    string Actor,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups,
    bool PasswordChangeRequired,
    DelegationResponse? Delegation,
    IReadOnlyList<DelegatorResponse> Delegators);

/// <summary>The position after the last item of a page of names (users, groups): the last name, opaque to clients.</summary>
public static class NameCursor
{
    public static string Encode(string name) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(name));

    public static bool TryDecode(string? value, out string? name)
    {
        name = null;
        if (string.IsNullOrEmpty(value) || value.Length > 400)
        {
            return false;
        }

        try
        {
            name = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
            return name.Length > 0 && !name.Any(char.IsControl);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The cursor of the next page: after the last item, when the page is full (there may be more).</summary>
    public static string? Next<T>(IReadOnlyList<T> page, int limit, Func<T, string> name) =>
        page.Count == limit && page.Count > 0 ? Encode(name(page[^1])) : null;
}
