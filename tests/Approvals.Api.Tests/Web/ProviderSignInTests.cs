using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// The web pages with an OpenID Connect provider (<see cref="FakeIdentityProvider"/> on its own loopback port): people
/// sign in there, the pages are its client <see cref="ClientId"/> (confidential, with PKCE).
/// </summary>
public class ProviderWebAppFactory : WebAppFactory, IAsyncLifetime
{
    public const string ClientId = "approvals-web";
    public const string ClientSecret = "approvals-web-secret-0123456789";

    public ProviderWebAppFactory()
        : this(providerEndsSessions: true)
    {
    }

    protected ProviderWebAppFactory(bool providerEndsSessions) =>
        Provider = new() { ClientSecret = ClientSecret, EndsSessions = providerEndsSessions };

    public FakeIdentityProvider Provider { get; }

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        .. base.ExtraSettings.Where(s => s.Key is not ("Auth:Jwt:SigningKey" or "Auth:Jwt:Issuer")),
        .. Provider.ServiceSettings,
        new("Web:Oidc:ClientId", ClientId),
        new("Web:Oidc:ClientSecret", ClientSecret),
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

/// <summary>The pages with a provider whose discovery document names no end-session endpoint.</summary>
public sealed class ProviderWithoutSignOutWebAppFactory() : ProviderWebAppFactory(providerEndsSessions: false);

/// <summary>Signing in on the web pages through the identity provider, in Chromium.</summary>
public class ProviderSignInTests(ProviderWebAppFactory factory) : WebTestBase<ProviderWebAppFactory>(factory)
{
    private FakeIdentityProvider Provider => Factory.Provider;

    [Fact]
    public async Task A_person_signs_in_at_the_provider_and_sees_their_inbox_with_the_roles_and_groups_it_named()
    {
        // An approval for the group the provider says nora is in (known here by name; the claim makes her a member).
        using var api = Factory.CreateAuthenticatedClient();
        Assert.True((await api.PostAsJsonAsync("/api/v1/groups", new { name = "idp-finance", members = Array.Empty<string>() })).IsSuccessStatusCode);
        var created = await api.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Budget for the provider's finance group",
            description = "d",
            deadline = Factory.Clock.GetUtcNow().AddDays(2),
            serviceRules = new[] { await Factory.AddServiceRuleAsync($"rule-{Guid.NewGuid():N}") },
            approvers = new[] { new { group = "idp-finance" } },
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);

        Provider.NextSignIn = new SignInAs("idp-nora", ["approver"], ["idp-finance"]);
        await Page.GotoAsync("/");
        Assert.Contains("/sign-in", Page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await Page.GetByLabel("Password").CountAsync()); // provider accounts have no password here
        await AssertAccessibleAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue to the identity provider" }).ClickAsync();
        await Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Assertions.Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Budget for the provider's finance group" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByText("idp-nora").First).ToBeVisibleAsync();
        var session = Assert.Single(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
        Assert.True(session.HttpOnly);

        // The provider's subject is now a known user, with the roles the ID token named.
        var user = (await api.GetFromJsonAsync<JsonObject>("/api/v1/users/idp-nora"))!;
        Assert.Equal(["approver"], user["roles"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task An_ID_token_the_provider_did_not_sign_or_meant_for_another_client_or_request_signs_nobody_in()
    {
        foreach (var bad in new[]
        {
            new SignInAs("idp-mallory", ["admin"], [], ForeignKey: true),
            new SignInAs("idp-mallory", ["admin"], [], WrongAudience: true),
            new SignInAs("idp-mallory", ["admin"], [], WrongNonce: true),
        })
        {
            Provider.NextSignIn = bad;
            await Page.GotoAsync("/admin");
            await Page.GetByRole(AriaRole.Button, new() { Name = "Continue to the identity provider" }).ClickAsync();
            await Page.WaitForURLAsync(url => url.Contains("/sign-in", StringComparison.Ordinal) && url.Contains("failed=", StringComparison.Ordinal));
            await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("did not complete");
            Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
        }

        using var api = Factory.CreateAuthenticatedClient();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await api.GetAsync("/api/v1/users/idp-mallory")).StatusCode);
    }

    [Fact]
    public async Task A_disabled_person_is_refused_after_the_provider_signs_them_in_and_their_open_session_ends()
    {
        Provider.NextSignIn = new SignInAs("idp-otto", ["requester"], []);
        await Page.GotoAsync("/sign-in");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue to the identity provider" }).ClickAsync();
        await Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");

        using var api = Factory.CreateAuthenticatedClient();
        Assert.True((await api.PatchAsJsonAsync("/api/v1/users/idp-otto", new { disabled = true })).IsSuccessStatusCode);
        await Page.GotoAsync("/mine");
        Assert.Contains("/sign-in", Page.Url, StringComparison.Ordinal); // the open session ended

        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue to the identity provider" }).ClickAsync();
        await Page.WaitForURLAsync(url => url.Contains("failed=", StringComparison.Ordinal));
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("disabled");
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_then_the_providers_which_sends_the_person_back_to_sign_in()
    {
        await SignInAtProviderAsync(Page, Provider, "idp-sofia");
        var before = Provider.EndedSessions.Count;

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == WebSession.SignInPath);

        // The provider was told which of its sessions to end (the ID token it gave this session), and where to send
        // the browser back; the session here is gone.
        var ended = Assert.Single(Provider.EndedSessions.Skip(before));
        Assert.Equal("idp-sofia", ended.IdTokenHint.Subject);
        Assert.Equal([ProviderWebAppFactory.ClientId], ended.IdTokenHint.Audiences);
        Assert.Equal(Factory.BaseUrl.TrimEnd('/') + WebProviderSignIn.SignedOutCallbackPath, ended.PostLogoutRedirectUri);
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
        await Page.GotoAsync("/mine");
        Assert.Equal(WebSession.SignInPath, new Uri(Page.Url).AbsolutePath);
    }

    /// <summary>Signs <paramref name="subject"/> in through the provider (a requester) and waits for the inbox.</summary>
    internal static async Task SignInAtProviderAsync(IPage page, FakeIdentityProvider provider, string subject)
    {
        provider.NextSignIn = new SignInAs(subject, ["requester"], []);
        await page.GotoAsync(WebSession.SignInPath);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to the identity provider" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
    }
}

/// <summary>Signing out where the provider has no end-session endpoint: the session here ends, and that is all.</summary>
public class ProviderWithoutSignOutTests(ProviderWithoutSignOutWebAppFactory factory) : WebTestBase<ProviderWithoutSignOutWebAppFactory>(factory)
{
    [Fact]
    public async Task Signing_out_ends_the_session_here_and_goes_to_the_sign_in_page()
    {
        await ProviderSignInTests.SignInAtProviderAsync(Page, Factory.Provider, "idp-tomas");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == WebSession.SignInPath);

        Assert.Empty(Factory.Provider.EndedSessions);
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
        await Page.GotoAsync("/mine");
        Assert.Equal(WebSession.SignInPath, new Uri(Page.Url).AbsolutePath);
    }
}
