using System.Text.Json.Serialization;
using Approvals.Api.Auth;
using Approvals.Api.Http;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Http.Endpoints;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateApiClientRequest(string? Name, string[]? Scopes);

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

/// <summary>API v1: <c>/api/v1/api-clients</c>, the services allowed to call this API with a key. Admin only.</summary>
public static class ApiClientEndpoints
{
    public static IEndpointRouteBuilder MapApiClientEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/api-clients").WithTags("API clients").RequireAuthorization(AuthPolicies.Admin);
        group.MapPost("/", CreateApiClient).WithName(nameof(CreateApiClient));
        group.MapGet("/", ListApiClients).WithName(nameof(ListApiClients));
        group.MapDelete("/{id}", RevokeApiClient).WithName(nameof(RevokeApiClient));
        return app;
    }

    public static async Task<Results<Created<ApiClientWithKeyResponse>, ProblemHttpResult>> CreateApiClient(
        CreateApiClientRequest request, ApprovalsDbContext db, ApiKeyDirectory directory, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (ApiClientNames.Check(request.Name) is { } badName)
        {
            errors.Add("name", $"A name {badName}");
        }

        if (request.Scopes is not { Length: > 0 } scopes || scopes.Any(s => !Scopes.All.Contains(s)))
        {
            errors.Add("scopes", $"One or more of {string.Join(", ", Scopes.All)}.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        // Names are never reused, revoked or not, so an actor in the history always means one client.
        if (directory.IsConfiguredName(request.Name!) || await db.ApiClients.AnyAsync(c => c.Name == request.Name, cancellationToken))
        {
            return NameTaken(request.Name!).ToProblem();
        }

        var key = ApiKeyFormat.Generate();
        var client = new ApiClient
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            Name = request.Name!,
            KeyHash = ApiKeyFormat.Hash(key),
            KeyPrefix = ApiKeyFormat.DisplayPrefix(key),
            Scopes = [.. request.Scopes!.Distinct(StringComparer.Ordinal)],
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiClients.Add(client);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return NameTaken(client.Name).ToProblem();
        }

        return TypedResults.Created($"/api/v1/api-clients/{client.Id}", new ApiClientWithKeyResponse(ApiClientResponse.From(client), key));
    }

    public static async Task<Ok<List<ApiClientResponse>>> ListApiClients(ApprovalsDbContext db, CancellationToken cancellationToken)
    {
        var clients = await db.ApiClients.AsNoTracking().OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(clients.Select(ApiClientResponse.From).ToList());
    }

    /// <summary>Revokes the key for good; revoking twice is not an error.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiClient(
        string id, ApprovalsDbContext db, ApiKeyDirectory directory, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var clientId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        var client = await db.ApiClients.FirstOrDefaultAsync(c => c.Id == clientId, cancellationToken);
        if (client is null)
        {
            return new DomainError(ErrorKind.NotFound, ErrorCodes.ApiClientNotFound, $"API client '{clientId}' does not exist.").ToProblem();
        }

        client.RevokedAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        directory.Evict(client.KeyHash);
        return TypedResults.NoContent();
    }

    private static DomainError NameTaken(string name) =>
        new(ErrorKind.Conflict, ErrorCodes.ApiClientNameTaken, $"An API client named '{name}' exists or existed; choose another name.");
}
