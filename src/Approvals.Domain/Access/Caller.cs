namespace Approvals.Domain;

/// <summary>
/// Who is making a change, as written into history rows (<c>user:&lt;id&gt;</c>, <c>client:&lt;name&gt;</c> or
/// <c>system:&lt;name&gt;</c>), and what that caller may do.
/// </summary>
/// <remarks>
/// For a person (<see cref="IsPerson"/>) the API also fills <see cref="Username"/>, <see cref="Roles"/> and
/// <see cref="Groups"/> from the authenticated request: a local account's as stored in <c>users</c> and its local
/// groups; a person signed in through an identity provider by the token's subject, role claim and group claim, plus
/// their local groups. Service keys and the system have no username, roles or groups.
/// </remarks>
public sealed record Caller(string Actor, string? CorrelationId, Permission Permissions = Permission.None)
{
    /// <summary>The claim that carries the actor on an authenticated principal.</summary>
    public const string ActorClaim = "approvals:actor";
    public const string UserPrefix = "user:";
    public const string ClientPrefix = "client:";
    public const string SystemPrefix = "system:";

    private static readonly IReadOnlySet<string> None = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A person (JWT) rather than a service key or the system itself.</summary>
    public bool IsPerson => Actor.StartsWith(UserPrefix, StringComparison.Ordinal);

    /// <summary>The person's username (with an identity provider: the token's subject); null for keys and the system.</summary>
    public string? Username { get; init; }

    /// <summary>The person's groups: local groups, plus the identity provider's group claim. Empty for keys and the system.</summary>
    public IReadOnlySet<string> Groups { get; init; } = None;

    /// <summary>The person's roles (requester, approver, admin). Empty for keys and the system, whose rights are scopes.</summary>
    public IReadOnlySet<string> Roles { get; init; } = None;

    public static Caller System(string name) => new($"{SystemPrefix}{name}", null, Permission.All);

    public static string ForUser(string subject) => UserPrefix + subject;

    public static string ForClient(string name) => ClientPrefix + name;
}
