using System.Security.Claims;
using Approvals.Domain;

namespace Approvals.Api.Auth;

/// <summary>Roles that people hold (JWT <c>roles</c> claim, or the local <c>users</c> table).</summary>
public static class Roles
{
    public const string Requester = "requester";
    public const string Approver = "approver";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Requester, Approver, Admin];
}

/// <summary>Scopes that service API keys hold.</summary>
public static class Scopes
{
    public const string Read = "approvals:read";
    public const string Write = "approvals:write";
    public const string Decide = "approvals:decide";
    public const string Admin = "admin";

    /// <summary>The claim type under which an authenticated API key carries its scopes.</summary>
    public const string ClaimType = "approvals:scope";

    public static IReadOnlyList<string> All { get; } = [Read, Write, Decide, Admin];
}

public static class Permissions
{
    private static readonly Dictionary<string, Permission> ByRole = new(StringComparer.Ordinal)
    {
        [Roles.Requester] = Permission.ReadOwn | Permission.Create | Permission.EditOwn | Permission.CancelOwn,
        [Roles.Approver] = Permission.ReadAll | Permission.Decide,
        [Roles.Admin] = Permission.All,
    };

    // Scopes name API operations, not ownership: a service key acts for a system, not for one person.
    private static readonly Dictionary<string, Permission> ByScope = new(StringComparer.Ordinal)
    {
        [Scopes.Read] = Permission.ReadAll,
        [Scopes.Write] = Permission.Create | Permission.EditAll,
        [Scopes.Decide] = Permission.Decide,
        [Scopes.Admin] = Permission.All,
    };

    public static Permission ForRoles(IEnumerable<string> roles) => Combine(roles, ByRole);

    public static Permission ForScopes(IEnumerable<string> scopes) => Combine(scopes, ByScope);

    /// <summary>
    /// Service keys count only their scopes and people only their roles, so a token from an identity provider
    /// cannot gain key scopes by carrying a claim that looks like one.
    /// </summary>
    public static Permission Of(ClaimsPrincipal principal)
    {
        if (principal.Identity is not ClaimsIdentity { IsAuthenticated: true } identity)
        {
            return Permission.None;
        }

        return identity.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName
            ? ForScopes(identity.FindAll(Scopes.ClaimType).Select(c => c.Value))
            : ForRoles(Roles.All.Where(principal.IsInRole));
    }

    private static Permission Combine(IEnumerable<string> names, Dictionary<string, Permission> map) =>
        names.Aggregate(Permission.None, (held, name) => held | map.GetValueOrDefault(name));
}
