using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Approvals.Api.Tests.Security;

public class BearerTokenTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    private const string AdminOnly = "/api/v1/service-rules";

    [Fact]
    public async Task The_token_endpoint_issues_a_short_lived_token_with_the_users_roles()
    {
        var alice = await Factory.UserAsync("alice", Roles.Requester);
        using var anonymous = Factory.CreateClient();

        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "alice", password = SecurityApiFactory.Password });

        await AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var token = new JsonWebToken((string)body["accessToken"]!);
        var expiresAt = DateTimeOffset.Parse((string)body["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((SecurityApiFactory.Issuer, SecurityApiFactory.Audience, alice.Id.ToString()), (token.Issuer, token.Audiences.Single(), token.Subject));
        Assert.Equal(["requester"], token.Claims.Where(c => c.Type == "roles").Select(c => c.Value));
        Assert.Equal("HS256", token.Alg);
        Assert.Equal(Factory.Clock.GetUtcNow().AddMinutes(15).ToUnixTimeSeconds(), expiresAt.ToUnixTimeSeconds());
        Assert.Equal(expiresAt.UtcDateTime, token.ValidTo);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_answer()
    {
        await Factory.UserAsync("alice", Roles.Requester);
        using var anonymous = Factory.CreateClient();

        var wrongPassword = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "alice", password = "not-the-password" });
        var unknownUser = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "mallory", password = "not-the-password" });

        var first = await AssertProblemAsync(wrongPassword, 401, ErrorCodes.InvalidCredentials);
        var second = await AssertProblemAsync(unknownUser, 401, ErrorCodes.InvalidCredentials);
        first.Remove("traceId");
        second.Remove("traceId");
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.NotEmpty(wrongPassword.Headers.WwwAuthenticate);
    }

    [Theory]
    [InlineData("""{"username":"alice"}""")]
    [InlineData("""{"password":"x"}""")]
    [InlineData("""{"username":"alice","password":"x","role":"admin"}""")]
    [InlineData("""{"username":5,"password":"x"}""")]
    public async Task The_token_endpoint_rejects_bad_bodies_with_400(string body)
    {
        using var anonymous = Factory.CreateClient();

        var response = await anonymous.PostAsync("/api/v1/auth/token", Json(body));

        await AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
    }

    [Fact]
    public async Task A_tampered_payload_is_rejected()
    {
        await Factory.UserAsync("alice", Roles.Requester);
        var carol = await Factory.UserAsync("carol", Roles.Admin);
        var token = await Factory.TokenAsync("alice");
        using (var genuine = Factory.ClientWithToken(token))
        {
            await AssertProblemAsync(await genuine.GetAsync(AdminOnly), 403, ErrorCodes.Forbidden);
        }

        var promoted = TestTokens.WithPayload(token, json => json.Replace("\"requester\"", "\"admin\"", StringComparison.Ordinal));
        var impersonating = TestTokens.WithPayload(token, json =>
        {
            var payload = JsonNode.Parse(json)!.AsObject();
            payload["sub"] = carol.Id.ToString();
            return payload.ToJsonString();
        });
        var unsigned = TestTokens.Unsigned(TestTokens.PayloadJson(promoted));
        var withoutSignature = string.Join('.', token.Split('.')[..2]) + ".";
        Assert.Contains("\"admin\"", TestTokens.PayloadJson(promoted), StringComparison.Ordinal);

        foreach (var forged in new[] { promoted, impersonating, unsigned, withoutSignature })
        {
            using var client = Factory.ClientWithToken(forged);
            var response = await client.GetAsync(AdminOnly);
            await AssertProblemAsync(response, 401, ErrorCodes.Unauthenticated);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter!.Contains("invalid_token", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Lifetime_is_checked_against_the_service_clock_with_a_small_skew()
    {
        await Factory.UserAsync("bob", Roles.Approver);
        using var bob = Factory.ClientWithToken(await Factory.TokenAsync("bob"));
        await AssertStatusAsync(await bob.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);

        Factory.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(20));
        await AssertStatusAsync(await bob.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);

        Factory.Clock.Advance(TimeSpan.FromSeconds(15));
        await AssertProblemAsync(await bob.GetAsync("/api/v1/approvals"), 401, ErrorCodes.Unauthenticated);

        var notYetValid = TestTokens.Mint(Factory.Clock.GetUtcNow(), roles: [Roles.Approver], startsIn: TimeSpan.FromMinutes(2));
        using var early = Factory.ClientWithToken(notYetValid);
        await AssertProblemAsync(await early.GetAsync("/api/v1/approvals"), 401, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task A_token_cannot_bring_its_own_actor_or_key_scopes()
    {
        var sneaky = await Factory.UserAsync("sneaky", Roles.Requester);
        var token = TestTokens.Mint(Factory.Clock.GetUtcNow(), subject: sneaky.Id.ToString(), roles: [Roles.Requester], extraClaims: new Dictionary<string, object>
        {
            [Caller.ActorClaim] = "client:test",
            [Scopes.ClaimType] = new[] { Scopes.Admin },
        });
        using var client = Factory.ClientWithToken(token);

        await AssertProblemAsync(await client.GetAsync(AdminOnly), 403, ErrorCodes.Forbidden);
        var created = await CreateApprovalAsAsync(client, "Who am I");
        Assert.Equal(sneaky.Actor, (string?)created["createdBy"]);
    }

    [Fact]
    public async Task A_token_without_a_subject_is_rejected()
    {
        var carol = await Factory.UserAsync("carol", Roles.Admin);
        using var valid = Factory.ClientWithToken(TestTokens.Mint(Factory.Clock.GetUtcNow(), subject: carol.Id.ToString(), roles: [Roles.Admin]));
        using var withoutSubject = Factory.ClientWithToken(TestTokens.Mint(Factory.Clock.GetUtcNow(), subject: null, roles: [Roles.Admin]));

        await AssertStatusAsync(await valid.GetAsync(AdminOnly), HttpStatusCode.OK);
        await AssertProblemAsync(await withoutSubject.GetAsync(AdminOnly), 401, ErrorCodes.Unauthenticated);
    }

    [Theory]
    [InlineData("Authorization", "Bearer")]
    [InlineData("Authorization", "Bearer    ")]
    [InlineData("Authorization", "Bearer a.b.c")]
    [InlineData("Authorization", "Basic dXNlcjpwYXNzd29yZA==")]
    [InlineData("Authorization", "ApiKey")]
    [InlineData("Authorization", "ApiKey    ")]
    [InlineData("X-Api-Key", "   ")]
    [InlineData("X-Api-Key", "short")]
    public async Task Malformed_credentials_get_401_with_both_challenges(string header, string value)
    {
        using var client = Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/approvals");
        request.Headers.TryAddWithoutValidation(header, value);

        var response = await client.SendAsync(request);

        await AssertProblemAsync(response, 401, ErrorCodes.Unauthenticated);
        Assert.Equal(["Bearer", "ApiKey"], response.Headers.WwwAuthenticate.Select(h => h.Scheme));
    }
}
