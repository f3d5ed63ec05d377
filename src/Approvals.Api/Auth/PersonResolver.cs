using System.Collections.Concurrent;
using System.Security.Claims;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>The claims the service puts on a person's principal once it has resolved them; tokens cannot bring their own.</summary>
public static class PersonClaims
{
    public const string Username = "approvals:username";
    public const string Group = "approvals:group";

    /// <summary>On the principal: the person signed in with a one-time password and must choose a new one first.</summary>
    public const string PasswordChangeRequired = "approvals:password_change_required";

    /// <summary>In a locally issued token: it was issued for a one-time password.</summary>
    public const string TokenPasswordChangeRequired = "pwd_change_required";

    /// <summary>
    /// Puts the resolved person on <paramref name="identity"/>: their actor, username, roles (under
    /// <paramref name="roleClaim"/>, the identity's role claim type) and groups. Tokens and web sessions use it alike,
    /// so a person has the same rights whichever way they signed in.
    /// </summary>
    public static void Describe(ClaimsIdentity identity, string subject, ResolvedPerson person, string roleClaim) => identity.AddClaims([
        new Claim(Caller.ActorClaim, Caller.ForUser(subject)),
        new Claim(Username, person.Username),
        .. person.Roles.Select(role => new Claim(roleClaim, role)),
        .. person.Groups.Select(group => new Claim(Group, group)),
    ]);
}

/// <summary>How long people are remembered between requests (<c>Auth:UserCacheSeconds</c>).</summary>
public sealed class PeopleOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// How long a resolved person (roles, groups, enabled) is reused. It bounds how late another instance notices that
    /// someone was disabled or their roles or groups changed; the instance that made the change forgets at once.
    /// </summary>
    public int UserCacheSeconds { get; set; } = 30;
}

internal sealed class PeopleOptionsValidator : IValidateOptions<PeopleOptions>
{
    public ValidateOptionsResult Validate(string? name, PeopleOptions options) =>
        options.UserCacheSeconds is >= 0 and <= 300
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Auth:UserCacheSeconds must be from 0 (no cache) to 300.");
}

/// <summary>A person behind a valid token: their username, roles and groups (local and, with a provider, the claim's).</summary>
public sealed record ResolvedPerson(string Username, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups);

/// <summary>What an identity provider's token says about a person besides their subject, normalised.</summary>
public sealed record ProviderIdentity(string[] Roles, string[] Groups)
{
    /// <summary>More groups than anyone should be in; a claim with more is cut to the first ones in order.</summary>
    public const int MaxGroups = 200;
    public const int MaxGroupLength = 200;

    /// <summary>The known roles and the groups of the principal, each distinct and sorted so equal claims compare equal.</summary>
    public static ProviderIdentity From(ClaimsIdentity identity, string roleClaim, string groupClaim) => new(
        [.. identity.FindAll(roleClaim).Select(c => c.Value).Where(Auth.Roles.All.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
        [.. identity.FindAll(groupClaim).Select(c => c.Value.Trim())
            .Where(g => g.Length is > 0 and <= MaxGroupLength && !g.Any(char.IsControl))
            .Distinct(StringComparer.Ordinal).Take(MaxGroups).Order(StringComparer.Ordinal)]);
}

/// <summary>
/// Turns a valid token's subject into the person it names, on every request that carries a token, so a person's
/// standing is the database's and not only what their token said when it was issued:
/// <list type="bullet">
/// <item>Local accounts: the subject must be an enabled user; their roles and groups are the stored ones.</item>
/// <item>With an identity provider: a subject seen for the first time is recorded as a user (named by the subject,
/// without a password), and the token's roles and group claim are remembered whenever they change; disabled people
/// are refused. Their groups are the claim's plus their local groups.</item>
/// </list>
/// Answers are cached for <see cref="PeopleOptions.UserCacheSeconds"/> (for providers, per subject and claims, so
/// new claims are recorded at once); changes through the API call <see cref="Forget"/>.
/// </summary>
public sealed partial class PersonResolver(IOptionsMonitor<PeopleOptions> options, TimeProvider clock, ILogger<PersonResolver> logger)
{
    /// <summary>Above this many entries the expired ones are swept out, and if that is not enough, all of them.</summary>
    private const int MaxCacheEntries = 10_000;

    private readonly ConcurrentDictionary<string, (ResolvedPerson? Person, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <param name="provider">What the identity provider's token says; null for locally issued tokens.</param>
    /// <param name="requestServices">Where the request's <see cref="PeopleStore"/> comes from, when needed.</param>
    /// <returns>Null when the token names nobody who may act: unknown locally, or disabled.</returns>
    public async Task<ResolvedPerson?> ResolveAsync(
        string subject, ProviderIdentity? provider, IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        var key = provider is null ? subject : $"{subject}\n{string.Join(',', provider.Roles)}\n{string.Join('\n', provider.Groups)}";
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.Person;
        }

        var store = requestServices.GetRequiredService<PeopleStore>();
        var row = provider is null
            ? await store.FindBySubjectAsync(subject, cancellationToken)
            : await RecordSeenAsync(store, subject, provider, now, cancellationToken);
        var person = row is null or { Disabled: true }
            ? null
            : new ResolvedPerson(row.Username, [.. row.Roles.Where(Auth.Roles.All.Contains)], [.. row.Groups.Order(StringComparer.Ordinal)]);

        var cacheFor = TimeSpan.FromSeconds(options.CurrentValue.UserCacheSeconds);
        if (cacheFor > TimeSpan.Zero)
        {
            Trim(now);
            _cache[key] = (person, now + cacheFor);
        }

        return person;
    }

    /// <summary>Forgets every resolved person on this instance, after a change to people, groups or roles.</summary>
    public void Forget() => _cache.Clear();

    private async Task<UserRow?> RecordSeenAsync(PeopleStore store, string subject, ProviderIdentity provider, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (row, firstSeen) = await store.RecordSeenAsync(subject, provider.Roles, provider.Groups, now, cancellationToken);
        if (row is null)
        {
            LogSubjectTaken(logger, subject);
        }
        else if (firstSeen)
        {
            LogFirstSeen(logger, subject);
        }

        return row;
    }

    private void Trim(DateTimeOffset now)
    {
        if (_cache.Count < MaxCacheEntries)
        {
            return;
        }

        foreach (var (key, entry) in _cache)
        {
            if (entry.Until <= now)
            {
                _cache.TryRemove(key, out _);
            }
        }

        if (_cache.Count >= MaxCacheEntries)
        {
            _cache.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The identity provider's subject {Subject} was seen for the first time and is now a known user")]
    private static partial void LogFirstSeen(ILogger logger, string subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The identity provider's subject {Subject} is the username of another account; its tokens are refused")]
    private static partial void LogSubjectTaken(ILogger logger, string subject);
}
