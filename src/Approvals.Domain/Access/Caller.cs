namespace Approvals.Domain;

/// <summary>
/// Who is making a change, as written into history rows (<c>user:&lt;id&gt;</c>, <c>client:&lt;name&gt;</c> or
/// <c>system:&lt;name&gt;</c>), and what that caller may do.
/// </summary>
public sealed record Caller(string Actor, string? CorrelationId, Permission Permissions = Permission.None)
{
    /// <summary>The claim that carries the actor on an authenticated principal.</summary>
    public const string ActorClaim = "approvals:actor";
    public const string UserPrefix = "user:";
    public const string ClientPrefix = "client:";
    public const string SystemPrefix = "system:";

    /// <summary>A person (JWT) rather than a service key or the system itself.</summary>
    public bool IsPerson => Actor.StartsWith(UserPrefix, StringComparison.Ordinal);

    public static Caller System(string name) => new($"{SystemPrefix}{name}", null, Permission.All);

    public static string ForUser(string subject) => UserPrefix + subject;

    public static string ForClient(string name) => ClientPrefix + name;
}
