using System.Text.Json.Nodes;
using Approvals.Api.Http;
using Approvals.Domain;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Security;

public sealed class AuthMatrixFactory : SecurityApiFactory
{
    public AuthMatrixFactory() => Callers = new MatrixCallers(this);

    public MatrixCallers Callers { get; }
}

/// <summary>Every endpoint times every kind of caller, with the exact status each must get.</summary>
public class AuthMatrixTests(AuthMatrixFactory factory) : IClassFixture<AuthMatrixFactory>
{
    public static TheoryData<string, CallerKind> Cells()
    {
        var cells = new TheoryData<string, CallerKind>();
        foreach (var endpoint in AuthMatrix.Cases)
        {
            foreach (var caller in Enum.GetValues<CallerKind>())
            {
                cells.Add(endpoint.Endpoint, caller);
            }
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Endpoint_answers_the_caller_with_the_exact_status(string endpoint, CallerKind caller)
    {
        var row = AuthMatrix.Find(endpoint);
        using var request = await row.BuildRequest(factory.Callers);
        await factory.Callers.AuthenticateAsync(request, caller);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        var expected = row.ExpectedStatus(caller);
        Assert.True((int)response.StatusCode == expected, $"{endpoint} as {caller}: expected {expected}, got {(int)response.StatusCode}: {body}");
        if (expected is 401 or 403)
        {
            Assert.Equal(expected == 401 ? ErrorCodes.Unauthenticated : row.ForbiddenCode, (string?)JsonNode.Parse(body)!["code"]);
        }

        if (expected == 401)
        {
            var challenges = response.Headers.WwwAuthenticate.Select(h => h.Scheme).ToList();
            Assert.Equal(["Bearer", "ApiKey"], challenges);
        }
    }

    [Fact]
    public void Every_endpoint_of_the_app_has_a_row_in_the_matrix_and_every_row_an_endpoint()
    {
        var registered = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<WebPageMetadata>() is null) // the web pages have their own matrix (Web/WebPageMatrixTests.cs)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => $"{method} {Normalize(e.RoutePattern.RawText)}"))
            .ToHashSet();
        var covered = AuthMatrix.Cases.Select(c => c.Endpoint).ToHashSet();

        var missing = registered.Except(covered).Order().ToList();
        var stale = covered.Except(registered).Order().ToList();
        Assert.True(missing.Count == 0, $"Endpoints without a row in AuthMatrix.Cases (add one saying who may call it): {string.Join(", ", missing)}");
        Assert.True(stale.Count == 0, $"AuthMatrix rows for endpoints the app does not have: {string.Join(", ", stale)}");
    }

    private static string Normalize(string? pattern) =>
        pattern is null or "" or "/" ? "/" : "/" + pattern.Trim('/');
}
