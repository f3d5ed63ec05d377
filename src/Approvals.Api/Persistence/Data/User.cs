namespace Approvals.Api.Persistence.Data;

/// <summary>
/// A person: a local account (with a password, for the self-contained JWT set-up), or someone an identity provider
/// signed in, recorded the first time they are seen (no password).
/// </summary>
public sealed class User
{
    public const int MaxUsernameLength = 150;

    public Guid Id { get; set; }

    /// <summary>The name people use for them: a local account's chosen name, or the provider's subject.</summary>
    public required string Username { get; set; }

    /// <summary>
    /// The <c>sub</c> of this person's tokens, so their actor is <c>user:&lt;subject&gt;</c>: a local account's id,
    /// or the identity provider's subject.
    /// </summary>
    public required string Subject { get; set; }

    /// <summary>Null for people who sign in with an identity provider.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>A local account's roles; for someone from an identity provider, the roles of their last token.</summary>
    public string[] Roles { get; set; } = [];

    /// <summary>The identity provider's group claim as of this person's last request; empty for local accounts.</summary>
    public string[] ProviderGroups { get; set; } = [];

    /// <summary>A disabled person cannot sign in, and their tokens stop working (docs/security.md).</summary>
    public bool Disabled { get; set; }

    /// <summary>The password is a one-time password: tokens issued for it allow nothing but choosing a new one.</summary>
    public bool PasswordChangeRequired { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public List<GroupMember> Memberships { get; set; } = [];
}
