using Approvals.Api.Auth;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Features;

/// <summary>An API client as listed: never its key or the key's hash, only the first characters to recognise it.</summary>
public sealed record ApiClientResponse(
    Guid Id,
    string Name,
    string KeyPrefix,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    public static ApiClientResponse From(ApiClient client) =>
        new(client.Id, client.Name, client.KeyPrefix, client.Scopes, client.CreatedAt, client.LastUsedAt, client.RevokedAt);
}

/// <summary>Returned once, on creation: the only time the key leaves the service.</summary>
public sealed record ApiClientWithKeyResponse(ApiClientResponse ApiClient, string Key);

/// <summary>
/// The admins' use cases on API clients (<c>/api/v1/api-clients</c> and the admin pages): create one with a new key,
/// which is returned this once and stored only as a hash; list them; revoke one for good. Names are never reused,
/// revoked or not, so an actor in the history (<c>client:&lt;name&gt;</c>) always means one client.
/// </summary>
public sealed class ApiClientAdministration(ApprovalsDbContext db, ApiKeyDirectory directory, TimeProvider clock)
{
    public async Task<Result<ApiClientWithKeyResponse>> CreateAsync(string? name, string[]? scopes, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (ApiClientNames.Check(name) is { } badName)
        {
            errors.Add("name", $"A name {badName}");
        }

        if (scopes is not { Length: > 0 } || scopes.Any(s => !Scopes.All.Contains(s)))
        {
            errors.Add("scopes", $"One or more of {string.Join(", ", Scopes.All)}.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        if (directory.IsConfiguredName(name!) || await db.ApiClients.AnyAsync(c => c.Name == name, cancellationToken))
        {
            return NameTaken(name!);
        }

        var key = ApiKeyFormat.Generate();
        var client = new ApiClient
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            Name = name!,
            KeyHash = ApiKeyFormat.Hash(key),
            KeyPrefix = ApiKeyFormat.DisplayPrefix(key),
            Scopes = [.. scopes!.Distinct(StringComparer.Ordinal)],
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiClients.Add(client);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return NameTaken(client.Name);
        }

        return new ApiClientWithKeyResponse(ApiClientResponse.From(client), key);
    }

    /// <summary>Every client, oldest first, revoked ones included.</summary>
    public async Task<List<ApiClientResponse>> ListAsync(CancellationToken cancellationToken)
    {
        var clients = await db.ApiClients.AsNoTracking().OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        return [.. clients.Select(ApiClientResponse.From)];
    }

    /// <summary>Revokes the key for good; revoking twice is not an error. The key stops working here at once.</summary>
    public async Task<DomainError?> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var client = await db.ApiClients.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return new DomainError(ErrorCodes.ApiClientNotFound, $"API client '{id}' does not exist.");
        }

        client.RevokedAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        directory.Evict(client.KeyHash);
        return null;
    }

    private static DomainError NameTaken(string name) =>
        new(ErrorCodes.ApiClientNameTaken, $"An API client named '{name}' exists or existed; choose another name.");
}
