using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests.Security;

/// <summary>The service configured with an OpenID Connect authority: keys come from its discovery document and JWKS.</summary>
public class IdentityProviderApiFactory : ApprovalsApiFactory, IAsyncLifetime
{
    public const string Audience = "approvals-api-oidc-tests";

    public FakeIdentityProvider Provider { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        .. Provider.ServiceSettings,
        new("Auth:Jwt:Audience", Audience),
    ];

    async Task IAsyncLifetime.InitializeAsync()
    {
        await Provider.StartAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public class IdentityProviderTests(IdentityProviderApiFactory factory) : ApiTestBase<IdentityProviderApiFactory>(factory)
{
    private FakeIdentityProvider Provider => Factory.Provider;

    [Fact]
    public async Task Tokens_from_the_provider_are_accepted_with_their_roles_and_their_subject_as_actor()
    {
        var approval = await CreateApprovalAsync();
        var id = (string)approval["id"]!;
        using var approver = Bearer(Provider.Mint("idp-user-42", [Roles.Approver], IdentityProviderApiFactory.Audience, Factory.Clock.GetUtcNow()));

        await AssertStatusAsync(await approver.GetAsync("/api/v1/approvals"), HttpStatusCode.OK);
        await AssertProblemAsync(await approver.GetAsync("/api/v1/service-rules"), 403, ErrorCodes.Forbidden);
        await AssertStatusAsync(await approver.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" }), HttpStatusCode.Accepted);

        var history = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history"))!;
        Assert.Equal("user:idp-user-42", (string?)history[^1]!["actor"]);
    }

    [Fact]
    public async Task Tokens_the_provider_did_not_sign_or_meant_for_others_are_rejected()
    {
        var now = Factory.Clock.GetUtcNow();
        foreach (var token in new[]
        {
            Provider.Mint("u", [Roles.Admin], IdentityProviderApiFactory.Audience, now, foreignKey: true),
            Provider.Mint("u", [Roles.Admin], IdentityProviderApiFactory.Audience, now, issuer: "https://impostor.example"),
            Provider.Mint("u", [Roles.Admin], "another-api", now),
        })
        {
            using var client = Bearer(token);
            await AssertProblemAsync(await client.GetAsync("/api/v1/approvals"), 401, ErrorCodes.Unauthenticated);
        }
    }

    [Fact]
    public async Task There_is_no_local_token_endpoint_when_people_sign_in_with_the_provider()
    {
        using var anonymous = Factory.CreateClient();

        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "alice", password = "demo" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private HttpClient Bearer(string token)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Without_a_client_for_the_web_pages_the_sign_in_page_says_so_and_takes_no_password()
    {
        using var browser = Factory.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sign-in");
        request.Headers.Accept.ParseAdd("text/html");
        var page = await (await browser.SendAsync(request)).Content.ReadAsStringAsync();

        Assert.Contains("<code>Web:Oidc:ClientId</code>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("type=\"password\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("identity provider</button>", page, StringComparison.Ordinal);
    }
}
