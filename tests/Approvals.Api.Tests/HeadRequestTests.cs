using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests;

/// <summary>
/// HEAD on every GET route, over real Kestrel (RFC 9110 §9.3.2): the status and headers the GET gets, and no body;
/// errors included. The routes are read from the running host, so a GET route added later is covered too.
/// </summary>
public class HeadRequestTests(KestrelApiFactory factory) : ApiTestBase<KestrelApiFactory>(factory)
{
    /// <summary>Headers about the message rather than the answer, which HEAD may leave out or which differ per request.</summary>
    private static readonly HashSet<string> PerMessageHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Date", "X-Correlation-Id", "Content-Length", "Transfer-Encoding",
    };

    [Fact]
    public async Task Every_get_route_answers_head_with_the_status_and_headers_of_its_get_and_no_body()
    {
        var paths = await GetRoutePathsAsync();
        Assert.Contains("/status", paths);
        Assert.Contains("/healthz", paths);
        Assert.Contains("/readyz", paths);
        Assert.Contains("/requests", paths);

        var failures = new List<string>();
        foreach (var path in paths)
        {
            if (await CompareAsync(Client, path) is { } failure)
            {
                failures.Add(failure);
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Theory]
    [InlineData("/api/v1/approvals")]
    [InlineData("/requests")]
    [InlineData("/api/v1/approvals/00000000-0000-0000-0000-000000000000")]
    [InlineData("/api/v1/approvals/not-a-uuid")]
    [InlineData("/request?id=x")]
    [InlineData("/api/v1/approvals?status=NOPE")]
    [InlineData("/nope")]
    public async Task Head_gets_the_errors_of_get_without_their_body(string path)
    {
        Assert.Null(await CompareAsync(Anonymous, path));
        Assert.Null(await CompareAsync(Client, path));

        using var head = await Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.True((int)head.StatusCode >= 400);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Head_with_if_none_match_is_a_304_like_get()
    {
        var id = await CreateApprovalIdAsync();
        using var request = new HttpRequestMessage(HttpMethod.Head, $"/api/v1/approvals/{id}");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"1\"");

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Head_on_a_route_without_get_is_a_405_naming_its_methods_and_changes_nothing()
    {
        var id = await CreateApprovalIdAsync();
        var before = await SnapshotAsync();

        using var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/v1/approvals/{id}/decision"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
        Assert.Null(before.Difference(await SnapshotAsync()));
    }

    /// <summary>Sends GET and HEAD to <paramref name="path"/>; null when they agree as RFC 9110 asks, else what differs.</summary>
    private static async Task<string?> CompareAsync(HttpClient client, string path)
    {
        using var get = await client.GetAsync(path);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        var getBody = await get.Content.ReadAsByteArrayAsync();
        var headBody = await head.Content.ReadAsByteArrayAsync();
        if (get.StatusCode != head.StatusCode)
        {
            return $"{path}: GET {(int)get.StatusCode}, HEAD {(int)head.StatusCode}";
        }

        if (headBody.Length > 0 || (getBody.Length == 0 && get.StatusCode != HttpStatusCode.NoContent))
        {
            return $"{path}: GET sent {getBody.Length} bytes, HEAD {headBody.Length}";
        }

        var getHeaders = Headers(get);
        var headHeaders = Headers(head);
        return getHeaders.SequenceEqual(headHeaders) ? null : $"{path}: GET headers [{string.Join("; ", getHeaders)}], HEAD [{string.Join("; ", headHeaders)}]";
    }

    private static List<string> Headers(HttpResponseMessage response) =>
    [
        .. response.Headers.Concat(response.Content.Headers)
            .Where(h => !PerMessageHeaders.Contains(h.Key))
            .Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(", ", h.Value)}")
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Every route the host answers GET on (its endpoints, health checks included, and Swagger UI), with real ids.</summary>
    private async Task<List<string>> GetRoutePathsAsync()
    {
        var approval = await CreateApprovalAsync("Head target");
        var rule = (int)approval["serviceRules"]![0]!;
        await AssertStatusAsync(await Client.PostAsJsonAsync("/api/v1/users", new { username = "head-user", roles = new[] { "approver" } }), HttpStatusCode.Created);
        await AssertStatusAsync(await Client.PostAsJsonAsync("/api/v1/groups", new { name = "head-group", members = new[] { "head-user" } }), HttpStatusCode.Created);
        var values = new Dictionary<string, string>
        {
            ["/api/v1/approvals/{id}"] = $"/api/v1/approvals/{approval["id"]}",
            ["/api/v1/service-rules/{id}"] = $"/api/v1/service-rules/{rule}",
            ["/api/v1/users/{username}"] = "/api/v1/users/head-user",
            ["/api/v1/groups/{name}"] = "/api/v1/groups/head-group",
            ["/request"] = $"/request?id={approval["id"]}",
            ["/openapi/{documentName}.json"] = "/openapi/v1.json",

            // The web pages (a key is no session: they redirect to sign-in, to GET and HEAD alike).
            ["/approvals/{id}"] = $"/approvals/{approval["id"]}",
            ["/admin/groups/{name}"] = "/admin/groups/head-group",
            ["/error/{status:int}"] = "/error/404",
        };

        var paths = new List<string> { "/swagger/index.html" };
        foreach (var endpoint in Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is not null && !methods.Contains("GET"))
            {
                continue;
            }

            var pattern = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            var prefix = values.Keys.FirstOrDefault(k => pattern == k || pattern.StartsWith(k + "/", StringComparison.Ordinal));
            var path = prefix is null ? pattern : values[prefix] + pattern[prefix.Length..];
            Assert.False(path.Contains('{', StringComparison.Ordinal), $"No value for the parameters of GET {pattern}: add one above.");
            paths.Add(path);
        }

        return paths;
    }
}
