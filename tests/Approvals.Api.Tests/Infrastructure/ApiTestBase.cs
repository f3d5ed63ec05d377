using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>Shared arrange helpers for tests that talk to the API over HTTP.</summary>
public abstract class ApiTestBase<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : ApprovalsApiFactory
{
    public const string MergePatch = "application/merge-patch+json";

    protected TFactory Factory { get; } = factory;

    protected HttpClient Client { get; } = factory.CreateAuthenticatedClient();

    /// <summary>A client that sends no credentials.</summary>
    protected HttpClient Anonymous { get; } = factory.CreateClient();

    protected DateTimeOffset FutureDeadline => Factory.Clock.GetUtcNow().AddDays(7);

    protected async Task<int> ServiceRuleAsync(string? name = null, bool enabled = true) =>
        await Factory.AddServiceRuleAsync(name ?? $"rule-{Guid.NewGuid():N}", enabled: enabled);

    /// <summary>Creates an approval through the v1 API and returns its JSON.</summary>
    protected Task<JsonObject> CreateApprovalAsync(string title = "Laptop purchase", params int[] serviceRules) =>
        CreateApprovalAsAsync(Client, title, FutureDeadline, serviceRules);

    protected Task<JsonObject> CreateApprovalAsync(string title, DateTimeOffset deadline, params int[] serviceRules) =>
        CreateApprovalAsAsync(Client, title, deadline, serviceRules);

    /// <summary>Creates an approval through the v1 API as <paramref name="caller"/> and returns its JSON.</summary>
    protected Task<JsonObject> CreateApprovalAsAsync(HttpClient caller, string title = "Laptop purchase", params int[] serviceRules) =>
        CreateApprovalAsAsync(caller, title, FutureDeadline, serviceRules);

    protected async Task<JsonObject> CreateApprovalAsAsync(HttpClient caller, string title, DateTimeOffset deadline, params int[] serviceRules)
    {
        if (serviceRules.Length == 0)
        {
            serviceRules = [await ServiceRuleAsync()];
        }

        var response = await caller.PostAsJsonAsync("/api/v1/approvals", new
        {
            title,
            description = "A new laptop for the design team.",
            deadline,
            comment = "first",
            serviceRules,
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return await ReadObjectAsync(response);
    }

    protected async Task<string> CreateApprovalIdAsync(string title = "Laptop purchase", params int[] serviceRules) =>
        (string)(await CreateApprovalAsync(title, serviceRules))["id"]!;

    protected async Task<string> CreateApprovalIdAsync(string title, DateTimeOffset deadline, params int[] serviceRules) =>
        (string)(await CreateApprovalAsync(title, deadline, serviceRules))["id"]!;

    protected Task<HttpResponseMessage> DecideAsync(string id, string decision, string? comment = null, HttpClient? client = null) =>
        (client ?? Client).PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision, comment });

    protected Task<HttpResponseMessage> PatchAsync(string id, string mergePatch) =>
        Client.PatchAsync($"/api/v1/approvals/{id}", Json(mergePatch, MergePatch));

    /// <summary>Moves an approval to a status directly in the database, as the dispatcher would.</summary>
    protected async Task SetStatusAsync(string id, ApprovalStatus status)
    {
        await using var db = Factory.CreateDbContext();
        var approvalId = Guid.Parse(id);
        await db.Approvals.Where(a => a.Id == approvalId).ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, status));
    }

    /// <summary>What the database holds for one approval besides its row: delivery jobs and events, oldest first.</summary>
    protected async Task<(List<DeliveryJob> Jobs, List<StoredEvent> History)> StoredTrailAsync(string id)
    {
        await using var db = Factory.CreateDbContext();
        var approvalId = Guid.Parse(id);
        return (await db.DeliveryJobs.Where(j => j.ApprovalId == approvalId).OrderBy(j => j.CreatedAt).ThenBy(j => j.ServiceRuleId).ToListAsync(),
            [.. (await db.Events.Where(e => e.ApprovalId == approvalId).OrderBy(e => e.Sequence).ToListAsync()).Select(e => new StoredEvent(e))]);
    }

    protected Task<DatabaseSnapshot> SnapshotAsync() => DatabaseSnapshot.TakeAsync(Factory.ConnectionString);

    protected static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    protected static async Task AssertStatusAsync(HttpResponseMessage response, HttpStatusCode expected)
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
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"The problem has no detail: {body}");
        return problem;
    }

    /// <summary>Asserts a 400 validation failure that names exactly these fields.</summary>
    protected static async Task AssertFieldErrorsAsync(HttpResponseMessage response, params string[] fields)
    {
        var problem = await AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        var errors = problem["errors"]?.AsObject() ?? [];
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    protected static StringContent Json(string raw, string mediaType = "application/json") =>
        new(raw, System.Text.Encoding.UTF8, mediaType);

    protected static string Serialize(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
