using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Approvals.Api.Persistence.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>A service that presented a valid key.</summary>
public sealed record AuthenticatedClient(string Name, IReadOnlyList<string> Scopes);

/// <summary>How keys look and how they are stored: a recognisable prefix, 256 random bits, and only a SHA-256 hash.</summary>
public static class ApiKeyFormat
{
    public const string Prefix = "apv_";

    /// <summary>Enough of the key to tell keys apart in a list without making it guessable.</summary>
    public const int DisplayPrefixLength = 12;

    public static string Generate() =>
        Prefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// A fast hash is right here: the keys are random and long, so there is nothing to brute-force, and the lookup
    /// by hash means no stored key is ever compared character by character.
    /// </summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string DisplayPrefix(string key) => key[..Math.Min(DisplayPrefixLength, key.Length)];
}

/// <summary>Client names end up in actors (<c>client:&lt;name&gt;</c>), so they are kept short and plain.</summary>
public static class ApiClientNames
{
    public const int MaxLength = 100;

    /// <summary>Why <paramref name="name"/> is not acceptable, or null when it is.</summary>
    public static string? Check(string? name) =>
        string.IsNullOrEmpty(name) || name.Length > MaxLength
        || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? $"must be 1 to {MaxLength} characters: letters, digits, '-', '_' or '.'."
            : null;
}

/// <summary>
/// Resolves a presented key to its client: configured keys first (compared in constant time), then the
/// <c>api_clients</c> table by hash. Valid database keys are cached for <see cref="ApiKeyOptions.ApiKeyCacheSeconds"/>
/// so a busy client does not cost a query per request; revoking evicts the key here at once, and other instances
/// notice within the cache time. The configured keys' hashes are computed once per configuration, and the database
/// is only touched on a cache miss: this runs on every request a service makes.
/// </summary>
public sealed class ApiKeyDirectory(IOptionsMonitor<ApiKeyOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (AuthenticatedClient Client, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);
    private ConfiguredKeys? _configured;

    /// <param name="requestServices">Where the request's <see cref="ApprovalsDbContext"/> comes from, when needed.</param>
    public async Task<AuthenticatedClient?> FindAsync(string presented, IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        if (FindConfigured(presentedHash) is { } configured)
        {
            return configured;
        }

        var hash = Convert.ToHexStringLower(presentedHash);
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Client;
        }

        var db = requestServices.GetRequiredService<ApprovalsDbContext>();
        var client = await db.ApiClients.AsNoTracking()
            .Where(c => c.KeyHash == hash && c.RevokedAt == null)
            .Select(c => new { c.Id, c.Name, c.Scopes })
            .FirstOrDefaultAsync(cancellationToken);
        if (client is null)
        {
            _cache.TryRemove(hash, out _);
            return null;
        }

        // Last use is recorded once per cache period, not on every request.
        await db.ApiClients.Where(c => c.Id == client.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastUsedAt, now), cancellationToken);
        var found = new AuthenticatedClient(client.Name, client.Scopes);
        var cacheFor = TimeSpan.FromSeconds(options.CurrentValue.ApiKeyCacheSeconds);
        if (cacheFor > TimeSpan.Zero)
        {
            _cache[hash] = (found, now + cacheFor);
        }

        return found;
    }

    /// <summary>Forgets a revoked key on this instance immediately.</summary>
    public void Evict(string keyHash) => _cache.TryRemove(keyHash, out _);

    public bool IsConfiguredName(string name) =>
        options.CurrentValue.ApiKeys.Any(k => string.Equals(k.Name, name, StringComparison.Ordinal));

    private AuthenticatedClient? FindConfigured(byte[] presentedHash)
    {
        var current = options.CurrentValue;
        var configured = _configured;
        if (configured is null || !ReferenceEquals(configured.Options, current))
        {
            // A reloaded configuration is a new options instance; the hashes follow it.
            _configured = configured = new ConfiguredKeys(current,
                [.. current.ApiKeys.Select(k => (SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)), new AuthenticatedClient(k.Name, k.EffectiveScopes)))]);
        }

        AuthenticatedClient? match = null;
        foreach (var (hash, client) in configured.Keys)
        {
            // Every candidate is compared so the time taken does not depend on which key matched.
            if (CryptographicOperations.FixedTimeEquals(presentedHash, hash))
            {
                match ??= client;
            }
        }

        return match;
    }

    private sealed record ConfiguredKeys(ApiKeyOptions Options, (byte[] Hash, AuthenticatedClient Client)[] Keys);
}
