using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests;

/// <summary><c>/api/v1/service-rules</c>: api keys are write-only, signing secrets are shown once, rules in use stay.</summary>
public class ServiceRuleApiTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private const string DownstreamKey = "downstream-secret-key-42";

    private static readonly string[] RuleKeys =
        ["allowSelfApproval", "createdAt", "enabled", "hasSigningSecret", "id", "name", "onDeadline", "retrySchedule", "rotatingSigningSecret", "timeoutSeconds", "updatedAt", "url"];

    [Fact]
    public async Task Create_returns_the_rule_and_its_signing_secret_once_and_never_the_api_key()
    {
        var response = await Client.PostAsJsonAsync("/api/v1/service-rules", new
        {
            name = "Billing", url = "https://billing.example.com/approval", apiKey = DownstreamKey, timeoutSeconds = 5, retrySchedule = new[] { 0, 30 },
        });

        await AssertStatusAsync(response, HttpStatusCode.Created);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["serviceRule", "signingSecret"], body.Select(p => p.Key));
        var rule = body["serviceRule"]!.AsObject();
        Assert.Equal(RuleKeys, rule.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal($"/api/v1/service-rules/{rule["id"]}", response.Headers.Location?.OriginalString);
        Assert.StartsWith("whsec_", (string?)body["signingSecret"], StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(((string)body["signingSecret"]!)["whsec_".Length..]).Length);
        Assert.Equal([0, 30], rule["retrySchedule"]!.AsArray().Select(d => (int)d!));
        Assert.Equal(5, (int)rule["timeoutSeconds"]!);
        Assert.True((bool)rule["enabled"]!);
        Assert.DoesNotContain(DownstreamKey, text, StringComparison.Ordinal);
        Assert.Equal(rule.ToJsonString(), (await ReadObjectAsync(await Client.GetAsync(response.Headers.Location))).ToJsonString());

        await using var db = Factory.CreateDbContext();
        var stored = await db.ServiceRules.SingleAsync(r => r.Name == "Billing");
        Assert.Equal(DownstreamKey, stored.ApiKey);
        Assert.Equal((string?)body["signingSecret"], stored.SigningSecret);
    }

    [Fact]
    public async Task No_read_or_replace_ever_shows_the_api_key_or_a_signing_secret()
    {
        var (id, secret) = await CreateAsync("Quiet");
        var rotated = (string)(await ReadObjectAsync(await Client.PostAsync($"/api/v1/service-rules/{id}/rotate-secret", null)))["signingSecret"]!;

        var responses = new[]
        {
            await Client.GetAsync($"/api/v1/service-rules/{id}"),
            await Client.GetAsync("/api/v1/service-rules"),
            await Client.PutAsJsonAsync($"/api/v1/service-rules/{id}", new { name = "Quiet", url = "https://quiet.example.com/x" }),
        };

        foreach (var response in responses)
        {
            await AssertStatusAsync(response, HttpStatusCode.OK);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(DownstreamKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(rotated, text, StringComparison.Ordinal);
            Assert.DoesNotContain("whsec_", text, StringComparison.Ordinal);
            Assert.DoesNotContain("apiKey", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Replace_keeps_the_stored_key_unless_a_new_one_is_given()
    {
        var (id, _) = await CreateAsync("Replace me");

        var replaced = await Client.PutAsJsonAsync($"/api/v1/service-rules/{id}", new { name = "Replaced", url = "https://new.example.com/hook", enabled = false, timeoutSeconds = 30 });
        await AssertStatusAsync(replaced, HttpStatusCode.OK);
        var body = await ReadObjectAsync(replaced);
        Assert.Equal(("Replaced", "https://new.example.com/hook", false, 30), ((string?)body["name"], (string?)body["url"], (bool)body["enabled"]!, (int)body["timeoutSeconds"]!));
        Assert.Equal(DownstreamKey, await StoredKeyAsync(id));

        await AssertStatusAsync(await Client.PutAsJsonAsync($"/api/v1/service-rules/{id}", new { name = "Replaced", url = "https://new.example.com/hook", apiKey = "rotated-key-0001" }), HttpStatusCode.OK);
        Assert.Equal("rotated-key-0001", await StoredKeyAsync(id));

        var fetched = await ReadObjectAsync(await Client.GetAsync($"/api/v1/service-rules/{id}"));
        Assert.True((bool)fetched["enabled"]!, "A replace without 'enabled' enables the rule again.");
    }

    [Fact]
    public async Task Rotate_secret_returns_a_new_secret_and_keeps_the_old_one_signing()
    {
        var (id, original) = await CreateAsync("Rotating");

        var response = await Client.PostAsync($"/api/v1/service-rules/{id}/rotate-secret", null);

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var body = await ReadObjectAsync(response);
        var rotated = (string)body["signingSecret"]!;
        Assert.NotEqual(original, rotated);
        Assert.True((bool)body["serviceRule"]!["rotatingSigningSecret"]!);
        await using var db = Factory.CreateDbContext();
        var stored = await db.ServiceRules.SingleAsync(r => r.Id == id);
        Assert.Equal((rotated, original), (stored.SigningSecret, stored.PreviousSigningSecret));
    }

    [Fact]
    public async Task Rule_in_use_cannot_be_deleted_and_an_unused_one_can()
    {
        var (used, _) = await CreateAsync("In use");
        var (unused, _) = await CreateAsync("Unused");
        await CreateApprovalAsync("Uses a rule", used);

        await AssertProblemAsync(await Client.DeleteAsync($"/api/v1/service-rules/{used}"), 409, ErrorCodes.ServiceRuleInUse);
        await AssertStatusAsync(await Client.GetAsync($"/api/v1/service-rules/{used}"), HttpStatusCode.OK);

        await AssertStatusAsync(await Client.DeleteAsync($"/api/v1/service-rules/{unused}"), HttpStatusCode.NoContent);
        await AssertProblemAsync(await Client.GetAsync($"/api/v1/service-rules/{unused}"), 404, ErrorCodes.ServiceRuleNotFound);
        await AssertProblemAsync(await Client.DeleteAsync($"/api/v1/service-rules/{unused}"), 404, ErrorCodes.ServiceRuleNotFound);
    }

    [Fact]
    public async Task Names_are_unique_on_create_and_on_rename()
    {
        await CreateAsync("Taken");
        var (other, _) = await CreateAsync("Other");

        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = "Taken", url = "https://x.example.com", apiKey = "k" }), 409, ErrorCodes.ServiceRuleNameTaken);
        await AssertProblemAsync(await Client.PutAsJsonAsync($"/api/v1/service-rules/{other}", new { name = "Taken", url = "https://x.example.com" }), 409, ErrorCodes.ServiceRuleNameTaken);
    }

    [Fact]
    public async Task Parallel_creates_with_one_name_make_one_rule_and_conflicts()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() =>
            Client.PostAsJsonAsync("/api/v1/service-rules", new { name = "Raced", url = "https://raced.example.com", apiKey = "k" }))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await AssertProblemAsync(response, 409, ErrorCodes.ServiceRuleNameTaken);
        }
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://files.example.com/x")]
    [InlineData("/relative/path")]
    [InlineData("")]
    public async Task Bad_url_is_a_400_naming_the_field(string url)
    {
        await AssertFieldErrorsAsync(await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = "Bad url", url, apiKey = "k" }), "url");
    }

    [Fact]
    public async Task Listing_shows_every_rule_in_id_order()
    {
        var (first, _) = await CreateAsync("List one");
        var (second, _) = await CreateAsync("List two");

        var rules = (await Client.GetFromJsonAsync<JsonArray>("/api/v1/service-rules"))!.Select(r => (int)r!["id"]!).ToList();

        Assert.Equal(rules.Order(), rules);
        Assert.Contains(first, rules);
        Assert.Contains(second, rules);
    }

    private async Task<(int Id, string Secret)> CreateAsync(string name)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/service-rules", new { name, url = "https://svc.example.com/approval", apiKey = DownstreamKey });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        var body = await ReadObjectAsync(response);
        return ((int)body["serviceRule"]!["id"]!, (string)body["signingSecret"]!);
    }

    private async Task<string> StoredKeyAsync(int id)
    {
        await using var db = Factory.CreateDbContext();
        return await db.ServiceRules.Where(r => r.Id == id).Select(r => r.ApiKey).SingleAsync();
    }
}
