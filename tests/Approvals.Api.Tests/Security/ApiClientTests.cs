using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Security;

public class ApiClientTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public async Task Creating_a_client_shows_its_key_once_and_stores_only_the_hash()
    {
        var response = await Client.PostAsJsonAsync("/api/v1/api-clients", new { name = "billing", scopes = new[] { Scopes.Read, Scopes.Write } });

        await AssertStatusAsync(response, HttpStatusCode.Created);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var key = (string)body["key"]!;
        var id = (string)body["apiClient"]!["id"]!;
        Assert.StartsWith("apv_", key, StringComparison.Ordinal);
        Assert.True(key.Length >= 47, key.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(key[..12], (string?)body["apiClient"]!["keyPrefix"]);
        Assert.Equal($"/api/v1/api-clients/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal([Scopes.Read, Scopes.Write], body["apiClient"]!["scopes"]!.AsArray().Select(s => (string)s!));

        var list = await Client.GetStringAsync("/api/v1/api-clients");
        Assert.Contains("billing", list, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);
        Assert.DoesNotContain("keyHash", list, StringComparison.OrdinalIgnoreCase);

        await using var db = Factory.CreateDbContext();
        var stored = await db.ApiClients.AsNoTracking().SingleAsync(c => c.Name == "billing");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), stored.KeyHash);
        Assert.DoesNotContain(key, $"{stored.KeyHash}{stored.KeyPrefix}{stored.Name}", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_works_in_each_header_form_acts_as_its_client_and_records_its_last_use()
    {
        var (id, key) = await Factory.CreateApiClientAsync("intake", Scopes.Read, Scopes.Write);
        await using (var db = Factory.CreateDbContext())
        {
            Assert.Null(await db.ApiClients.Where(c => c.Id == id).Select(c => c.LastUsedAt).SingleAsync());
        }

        foreach (var (header, value) in new[] { ("Authorization", key), ("Authorization", $"ApiKey {key}"), ("X-Api-Key", key) })
        {
            using var client = Factory.CreateClient();
            client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);
            await AssertStatusAsync(await client.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);
        }

        using var intake = Factory.ClientWithKey(key);
        var created = await intake.PostAsJsonAsync("/request", new
        {
            title = "From intake",
            description = "Created by a service key on the original route.",
            service_rule = await ServiceRuleAsync(),
            deadline = FutureDeadline,
        });
        await AssertStatusAsync(created, HttpStatusCode.OK);
        var approvalId = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["approval_item"]!["id"]!;
        var history = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{approvalId}/history"))!;
        Assert.Equal("client:intake", (string?)history[0]!["actor"]);

        await using var after = Factory.CreateDbContext();
        var lastUsed = await after.ApiClients.Where(c => c.Id == id).Select(c => c.LastUsedAt).SingleAsync();
        Assert.InRange(lastUsed!.Value, Factory.Clock.GetUtcNow().AddMilliseconds(-1), Factory.Clock.GetUtcNow());
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once_and_stays_listed_as_revoked()
    {
        var (id, key) = await Factory.CreateApiClientAsync("leaky", Scopes.Read);
        using var leaky = Factory.ClientWithKey(key);
        await AssertStatusAsync(await leaky.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);

        await AssertStatusAsync(await Client.DeleteAsync($"/api/v1/api-clients/{id}"), HttpStatusCode.NoContent);

        await AssertProblemAsync(await leaky.GetAsync("/api/v1/approvals"), 401, ErrorCodes.Unauthenticated);
        var listed = (await Client.GetFromJsonAsync<JsonArray>("/api/v1/api-clients"))!.Single(c => (string?)c!["name"] == "leaky")!;
        Assert.NotNull((string?)listed["revokedAt"]);
        await AssertStatusAsync(await Client.DeleteAsync($"/api/v1/api-clients/{id}"), HttpStatusCode.NoContent);
        await AssertProblemAsync(await Client.DeleteAsync($"/api/v1/api-clients/{Guid.NewGuid()}"), 404, ErrorCodes.ApiClientNotFound);
        await AssertProblemAsync(await Client.DeleteAsync("/api/v1/api-clients/not-a-uuid"), 400, ErrorCodes.ValidationFailed);
    }

    [Theory]
    [InlineData("""{"name":"","scopes":["approvals:read"]}""", "name")]
    [InlineData("""{"name":"has space","scopes":["approvals:read"]}""", "name")]
    [InlineData("""{"name":"ok","scopes":[]}""", "scopes")]
    [InlineData("""{"name":"ok","scopes":["approvals:everything"]}""", "scopes")]
    [InlineData("""{"name":"ok"}""", "scopes")]
    public async Task Invalid_clients_are_refused_with_400(string body, string field)
    {
        var response = await Client.PostAsync("/api/v1/api-clients", Json(body));

        var problem = await AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Names_are_never_reused_not_even_those_of_configured_or_revoked_clients()
    {
        var (id, _) = await Factory.CreateApiClientAsync("once", Scopes.Read);
        await Factory.RevokeApiClientAsync(id);

        foreach (var name in new[] { "once", "test", "other" })
        {
            var response = await Client.PostAsJsonAsync("/api/v1/api-clients", new { name, scopes = new[] { Scopes.Read } });
            await AssertProblemAsync(response, 409, ErrorCodes.ApiClientNameTaken);
        }
    }
}
