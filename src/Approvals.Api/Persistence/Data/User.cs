namespace Approvals.Api.Persistence.Data;

/// <summary>A local user account, for the self-contained JWT set-up.</summary>
public sealed class User
{
    public Guid Id { get; set; }

    public required string Username { get; set; }

    public required string PasswordHash { get; set; }

    public string[] Roles { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
}
