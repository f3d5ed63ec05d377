using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary>What every route shares: routing errors, content negotiation, size limits, authentication, anonymous endpoints.</summary>
public class HttpPipelineTests(KestrelApiFactory factory) : ApiTestBase<KestrelApiFactory>(factory)
{
    [Theory]
    [InlineData("/nope")]
    [InlineData("/api/v1/approvals/3f2504e0-4f89-11d3-9a0c-0305e82c3301/comments")]
    [InlineData("/api/v2/approvals")]
    public async Task Unknown_route_is_a_404_problem(string path)
    {
        var problem = await AssertProblemAsync(await Client.GetAsync(path), 404, ErrorCodes.RouteNotFound);
        Assert.Equal("No route matches this path; the routes are listed in /openapi/v1.json.", (string?)problem["detail"]);
        await AssertProblemAsync(await Anonymous.GetAsync(path), 404, ErrorCodes.RouteNotFound);
    }

    [Fact]
    public async Task A_client_that_takes_no_json_gets_the_detail_of_a_framework_error_as_text()
    {
        // Not text/html from a browser (which gets the web pages' 404 page, Web/WebSessionTests), but a client that
        // takes only text.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/nope");
        request.Headers.Accept.ParseAdd("text/plain");

        var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No route matches this path; the routes are listed in /openapi/v1.json.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Wrong_method_is_a_405_problem_naming_the_allowed_methods()
    {
        var response = await Client.DeleteAsync("/request");

        var problem = await AssertProblemAsync(response, 405, ErrorCodes.MethodNotAllowed);
        Assert.Equal(["GET", "HEAD", "POST", "PUT"], response.Content.Headers.Allow);
        Assert.Equal("This route does not take DELETE; it takes GET, HEAD, POST, PUT.", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Non_json_content_type_is_a_415_problem(string contentType)
    {
        var body = Serialize(new { title = "t", description = "d", deadline = FutureDeadline, serviceRules = new[] { 1 } });

        var response = await Client.PostAsync("/api/v1/approvals", Json(body, contentType));

        var problem = await AssertProblemAsync(response, 415, ErrorCodes.UnsupportedMediaType);
        Assert.Contains("application/json", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_over_64_KB_is_refused_with_or_without_a_declared_length()
    {
        // A valid create padded with whitespace: without the limit it would be created.
        var rule = await ServiceRuleAsync();
        var padded = Serialize(new { title = "Oversized", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }) + new string(' ', 70 * 1024);

        await AssertProblemAsync(await Client.PostAsync("/api/v1/approvals", Json(padded)), 413, ErrorCodes.PayloadTooLarge);

        var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(padded)));
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/approvals") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        try
        {
            await AssertProblemAsync(await Client.SendAsync(request), 413, ErrorCodes.PayloadTooLarge);
        }
        catch (HttpRequestException)
        {
            // Kestrel stops reading at the limit, answers 413 and closes the connection; with the rest of the body
            // unread the close can be a reset that reaches the client before the answer does. Either way: refused.
        }

        var list = await ReadObjectAsync(await Client.GetAsync($"/api/v1/approvals?serviceRule={rule}"));
        Assert.Empty(list["items"]!.AsArray());

        // The control: the same body under the limit is created.
        await AssertStatusAsync(await Client.PostAsync("/api/v1/approvals", Json(padded[..(60 * 1024)])), HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789")]
    [InlineData("Bearer not-a-jwt")]
    public async Task Missing_or_unknown_key_is_a_401_problem_with_a_challenge(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/approvals");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await Anonymous.SendAsync(request);

        await AssertProblemAsync(response, 401, ErrorCodes.Unauthenticated);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "ApiKey");
    }

    [Theory]
    [InlineData("Authorization", ApprovalsApiFactory.ApiKey)]
    [InlineData("Authorization", "ApiKey " + ApprovalsApiFactory.ApiKey)]
    [InlineData("X-Api-Key", ApprovalsApiFactory.OtherApiKey)]
    public async Task Api_key_is_accepted_raw_with_a_scheme_or_in_x_api_key(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/approvals");
        request.Headers.TryAddWithoutValidation(header, value);

        await AssertStatusAsync(await Anonymous.SendAsync(request), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Status_health_and_readiness_need_no_key()
    {
        var status = await Anonymous.GetAsync("/status");
        await AssertStatusAsync(status, HttpStatusCode.OK);
        Assert.Equal("""{"status":"ok"}""", await status.Content.ReadAsStringAsync());

        await AssertStatusAsync(await Anonymous.GetAsync("/healthz"), HttpStatusCode.OK);
        await AssertStatusAsync(await Anonymous.GetAsync("/readyz"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task OpenApi_document_and_swagger_ui_need_no_key()
    {
        var document = await Anonymous.GetAsync("/openapi/v1.json");
        await AssertStatusAsync(document, HttpStatusCode.OK);
        var openApi = await ReadObjectAsync(document);
        Assert.StartsWith("3.", (string?)openApi["openapi"], StringComparison.Ordinal);
        Assert.NotNull(openApi["paths"]!["/api/v1/approvals/{id}/decision"]);
        Assert.NotNull(openApi["paths"]!["/request"]);
        Assert.Equal("X-Api-Key", (string?)openApi["components"]!["securitySchemes"]!["ApiKey"]!["name"]);

        var ui = await Anonymous.GetAsync("/swagger/index.html");
        await AssertStatusAsync(ui, HttpStatusCode.OK);
        Assert.Contains("swagger-ui", await ui.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertStatusAsync(await Anonymous.GetAsync("/swagger"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Correlation_id_is_echoed_and_recorded_and_an_unsafe_one_is_replaced()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/state-machine");
        request.Headers.Add("X-Correlation-Id", "abc-123");
        var echoed = await Client.SendAsync(request);
        Assert.Equal("abc-123", echoed.Headers.GetValues("X-Correlation-Id").Single());

        using var unsafeRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/state-machine");
        unsafeRequest.Headers.TryAddWithoutValidation("X-Correlation-Id", "<script>");
        var replaced = await Client.SendAsync(unsafeRequest);
        var id = replaced.Headers.GetValues("X-Correlation-Id").Single();
        Assert.NotEqual("<script>", id);
        Assert.Matches("^[0-9a-f]{32}$", id);
    }

    [Fact]
    public async Task Problem_never_leaks_parser_internals()
    {
        var response = await Client.PostAsync("/api/v1/approvals", Json("""{"title": 5, "serviceRules": [1]}"""));

        var problem = await AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Equal(["The value has the wrong type or format."], problem["errors"]!["title"]!.AsArray().Select(m => (string?)m));
        Assert.DoesNotContain("System.", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", problem.ToJsonString(), StringComparison.Ordinal);
    }
}
