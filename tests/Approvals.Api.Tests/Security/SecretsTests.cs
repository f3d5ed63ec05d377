using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Tests.Infrastructure;

namespace Approvals.Api.Tests.Security;

/// <summary>
/// Every secret the service handles is shown at most once, in the response that hands it out, and never again:
/// not in any later response and not in any log message at any level.
/// </summary>
public class SecretsTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    private readonly Dictionary<string, string> _secrets = new()
    {
        ["configured API key"] = ApprovalsApiFactory.ApiKey,
        ["other configured API key"] = ApprovalsApiFactory.OtherApiKey,
        ["JWT signing key"] = SecurityApiFactory.SigningKey,
        ["user password"] = SecurityApiFactory.Password,
    };

    [Fact]
    public async Task Secrets_never_appear_in_later_responses_or_in_the_logs()
    {
        var responses = new List<string>();

        // Outbound service-rule credentials and signing secrets: returned on creation and rotation only.
        var ruleKey = Secret("service rule API key", $"downstream-secret-{Guid.NewGuid():N}");
        var created = await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = "secret-rule", url = "http://127.0.0.1:9/approval", apiKey = ruleKey });
        await AssertStatusAsync(created, HttpStatusCode.Created);
        var createdBody = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var ruleId = (int)createdBody["serviceRule"]!["id"]!;
        Secret("first signing secret", (string)createdBody["signingSecret"]!);
        Assert.DoesNotContain(ruleKey, createdBody.ToJsonString(), StringComparison.Ordinal);

        var rotated = (await (await Client.PostAsync($"/api/v1/service-rules/{ruleId}/rotate-secret", null)).Content.ReadFromJsonAsync<JsonObject>())!;
        var newSigningSecret = (string)rotated["signingSecret"]!;
        rotated.Remove("signingSecret");
        responses.Add(rotated.ToJsonString());
        var replacementKey = Secret("replacement service rule API key", $"replacement-{Guid.NewGuid():N}");
        responses.Add(await (await Client.PutAsJsonAsync($"/api/v1/service-rules/{ruleId}", new { name = "secret-rule", url = "http://127.0.0.1:9/approval", apiKey = replacementKey }))
            .Content.ReadAsStringAsync());

        // An API key and a person's token: returned once, then used.
        var (_, clientKey) = await Factory.CreateApiClientAsync("secret-client", Scopes.Read);
        Secret("created API key", clientKey);
        Secret("created API key hash", ApiKeyFormat.Hash(clientKey));
        await Factory.UserAsync("alice", Roles.Requester);
        var token = Secret("access token", await Factory.TokenAsync("alice"));
        Secret("access token signature", token.Split('.')[2]);
        using var alice = Factory.ClientWithToken(token);
        using var keyClient = Factory.ClientWithKey(clientKey);
        var approval = await CreateApprovalAsAsync(alice, "Secret-free", ruleId);
        var approvalId = (string)approval["id"]!;
        responses.Add(approval.ToJsonString());
        responses.Add(await keyClient.GetStringAsync("/api/v1/approvals"));

        // A person's one-time passwords (returned on creation and on reset only) and the password they choose.
        var createdUser = (await (await Client.PostAsJsonAsync("/api/v1/users", new { username = "otto", roles = new[] { Roles.Requester } }))
            .Content.ReadFromJsonAsync<JsonObject>())!;
        var oneTimePassword = Secret("one-time password", (string)createdUser["oneTimePassword"]!);
        using (var otto = Factory.ClientWithToken(await Factory.TokenAsync("otto", oneTimePassword)))
        {
            var chosen = Secret("chosen password", $"chosen-{Guid.NewGuid():N}");
            responses.Add(await (await otto.PostAsJsonAsync("/api/v1/users/me/password", new { currentPassword = oneTimePassword, newPassword = chosen }))
                .Content.ReadAsStringAsync());
            responses.Add(await otto.GetStringAsync("/api/v1/users/me"));
        }

        var reset = (await (await Client.PostAsync("/api/v1/users/otto/password-reset", null)).Content.ReadFromJsonAsync<JsonObject>())!;
        Secret("reset one-time password", (string)reset["oneTimePassword"]!);

        // Failed attempts carry secrets too: a guessed password, an unknown key, a forged token.
        var guessedPassword = Secret("guessed password", $"guess-{Guid.NewGuid():N}");
        using var anonymous = Factory.CreateClient();
        responses.Add(await (await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "alice", password = guessedPassword })).Content.ReadAsStringAsync());
        using var unknownKey = Factory.ClientWithKey(Secret("unknown API key", $"apv_unknown{Guid.NewGuid():N}"));
        responses.Add(await (await unknownKey.GetAsync("/api/v1/approvals")).Content.ReadAsStringAsync());
        var forged = Secret("forged token", TestTokens.Mint(Factory.Clock.GetUtcNow(), signingKey: "a-forged-signing-key-that-is-long-enough"));
        using var forger = Factory.ClientWithToken(forged);
        responses.Add(await (await forger.GetAsync("/api/v1/approvals")).Content.ReadAsStringAsync());

        foreach (var url in new[]
        {
            "/api/v1/service-rules", $"/api/v1/service-rules/{ruleId}", "/api/v1/api-clients", "/api/v1/approvals",
            $"/api/v1/approvals/{approvalId}", $"/api/v1/approvals/{approvalId}/history", "/requests?default=1",
            $"/request?id={approvalId}", "/openapi/v1.json", "/api/v1/state-machine", "/api/v1/users", "/api/v1/users/otto",
        })
        {
            responses.Add(await Client.GetStringAsync(url));
        }

        Secret("rotated signing secret", newSigningSecret);
        foreach (var (name, value) in _secrets)
        {
            Assert.False(responses.Any(r => r.Contains(value, StringComparison.Ordinal)), $"The {name} appears in a response.");
            var logged = Factory.Logs.Entries.FirstOrDefault(e => e.Contains(value, StringComparison.Ordinal));
            Assert.True(logged is null, $"The {name} appears in the log: {logged}");
        }

        Assert.NotEmpty(Factory.Logs.Entries);
    }

    private string Secret(string name, string value)
    {
        _secrets[name] = value;
        return value;
    }
}
