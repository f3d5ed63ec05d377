using System.Net;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;

namespace Approvals.Api.Tests.Security;

public class HardeningTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Theory]
    [InlineData("/status")]
    [InlineData("/api/v1/approvals")]
    [InlineData("/api/v1/does-not-exist")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var anonymous = Factory.CreateClient();

        var response = await anonymous.GetAsync(path);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.False(response.Headers.Contains("Server"));
    }

    [Fact]
    public async Task The_swagger_ui_loads_under_its_own_content_security_policy()
    {
        using var anonymous = Factory.CreateClient();

        var response = await anonymous.GetAsync("/swagger/index.html");

        await AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.StartsWith("default-src 'self'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_offers_both_schemes_and_marks_public_operations()
    {
        using var anonymous = Factory.CreateClient();

        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;

        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("apiKey", (string?)schemes["ApiKey"]!["type"]);
        Assert.Equal("X-Api-Key", (string?)schemes["ApiKey"]!["name"]);
        Assert.Equal(("http", "bearer", "JWT"), ((string?)schemes["Bearer"]!["type"], (string?)schemes["Bearer"]!["scheme"], (string?)schemes["Bearer"]!["bearerFormat"]));
        Assert.Equal(["ApiKey", "Bearer"], document["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(p => p.Key)));
        Assert.Empty(document["paths"]!["/api/v1/auth/token"]!["post"]!["security"]!.AsArray());
        Assert.Null(document["paths"]!["/api/v1/approvals"]!["get"]!["security"]);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : null;
}
