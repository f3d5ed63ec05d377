using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>Shared arrange helpers for tests that talk to the API over HTTP.</summary>
public abstract class ApiTestBase<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : ApprovalsApiFactory
{
    protected TFactory Factory { get; } = factory;

    protected HttpClient Client { get; } = factory.CreateAuthenticatedClient();

    protected DateTimeOffset FutureDeadline => Factory.Clock.GetUtcNow().AddDays(7);

    protected async Task<int> ServiceRuleAsync(string? name = null) =>
        await Factory.AddServiceRuleAsync(name ?? $"rule-{Guid.NewGuid():N}");

    /// <summary>Creates an approval through the v1 API and returns its JSON.</summary>
    protected Task<JsonObject> CreateApprovalAsync(string title = "Laptop purchase", params int[] serviceRules) =>
        CreateApprovalAsAsync(Client, title, serviceRules);

    /// <summary>Creates an approval through the v1 API as <paramref name="caller"/> and returns its JSON.</summary>
    protected async Task<JsonObject> CreateApprovalAsAsync(HttpClient caller, string title = "Laptop purchase", params int[] serviceRules)
    {
        if (serviceRules.Length == 0)
        {
            serviceRules = [await ServiceRuleAsync()];
        }

        var response = await caller.PostAsJsonAsync("/api/v1/approvals", new
        {
            title,
            description = "A new laptop for the design team.",
            deadline = FutureDeadline,
            comment = "first",
            serviceRules,
        });
        await AssertStatusAsync(response, System.Net.HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    protected static async Task AssertStatusAsync(HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"Expected {(int)expected} but got {(int)response.StatusCode}: {body}");
        }
    }

    /// <summary>Asserts a ProblemDetails response with the given status and stable code, and returns it.</summary>
    protected static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(code, (string?)problem["code"]);
        Assert.Equal(status, (int?)problem["status"]);
        return problem;
    }

    protected static StringContent Json(string raw, string mediaType = "application/json") =>
        new(raw, System.Text.Encoding.UTF8, mediaType);

    protected static string Serialize(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
