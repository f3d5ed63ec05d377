using System.Text.Json.Serialization;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Approvals.Api.Http.Endpoints;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateApiClientRequest(string? Name, string[]? Scopes);

/// <summary>API v1: <c>/api/v1/api-clients</c>, the services allowed to call this API with a key. Admin only (<see cref="ApiClientAdministration"/>).</summary>
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
        CreateApiClientRequest request, ApiClientAdministration clients, CancellationToken cancellationToken)
    {
        var created = await clients.CreateAsync(request.Name, request.Scopes, cancellationToken);
        return created.Error is { } error
            ? error.ToProblem()
            : TypedResults.Created($"/api/v1/api-clients/{created.Value!.ApiClient.Id}", created.Value);
    }

    public static async Task<Ok<List<ApiClientResponse>>> ListApiClients(ApiClientAdministration clients, CancellationToken cancellationToken) =>
        TypedResults.Ok(await clients.ListAsync(cancellationToken));

    /// <summary>Revokes the key for good; revoking twice is not an error.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiClient(
        string id, ApiClientAdministration clients, CancellationToken cancellationToken)
    {
        if (!RequestParsing.TryParseId(id, out var clientId))
        {
            return RequestParsing.InvalidId().ToProblem();
        }

        return await clients.RevokeAsync(clientId, cancellationToken) is { } error ? error.ToProblem() : TypedResults.NoContent();
    }
}
