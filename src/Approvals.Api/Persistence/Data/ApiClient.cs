namespace Approvals.Api.Persistence.Data;

/// <summary>A service that calls the API with a key; only the key's hash is stored.</summary>
public sealed class ApiClient
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string KeyHash { get; set; }

    /// <summary>The first characters of the key, to tell keys apart without revealing them.</summary>
    public required string KeyPrefix { get; set; }

    public string[] Scopes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
