using System.Net;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Security;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>Signing in and out of the web pages, the session cookie, antiforgery and the pages' security headers, in Chromium.</summary>
public class WebSessionTests(WebAppFactory factory) : WebTestBase<WebAppFactory>(factory)
{
    [Fact]
    public async Task A_signed_out_person_is_sent_to_sign_in_and_comes_back_to_the_page_they_asked_for()
    {
        await Factory.UserAsync("web-ruth", "approver");

        var stylesheet = Page.WaitForResponseAsync(r => r.Url.Contains("/css/site", StringComparison.Ordinal));
        await Page.GotoAsync("/account/password");
        Assert.Contains("/sign-in?returnUrl=%2Faccount%2Fpassword", Page.Url, StringComparison.Ordinal);
        Assert.Equal(200, (await stylesheet).Status);
        await AssertAccessibleAsync();
        await ScreenshotAsync("sign-in");

        await Page.GetByLabel("Username").FillAsync("web-ruth");
        await Page.GetByLabel("Password").FillAsync(SecurityApiFactory.Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Page.WaitForURLAsync("**/account/password");
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Choose a password" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByText("Signed in as")).ToContainTextAsync("web-ruth");
    }

    [Fact]
    public async Task A_wrong_password_is_refused_in_words_and_starts_no_session()
    {
        await Factory.UserAsync("web-sam", "approver");
        await Page.GotoAsync("/sign-in");
        await Page.GetByLabel("Username").FillAsync("web-sam");
        await Page.GetByLabel("Password").FillAsync("not-the-password");
        var response = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(401, response.Status);
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The username or password is wrong.");
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
        await AssertAccessibleAsync();
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_and_SameSite_Lax_and_sign_out_ends_it()
    {
        await SignInAsync("web-tom", "approver");

        var session = Assert.Single(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
        Assert.Equal("", await Page.EvaluateAsync<string>("() => document.cookie.split('; ').filter(c => c.startsWith('approvals.session')).join('')"));

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Page.WaitForURLAsync("**/sign-in");
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == WebSession.CookieName);
        await Page.GotoAsync("/");
        Assert.Contains("/sign-in", Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        await SignInAsync("web-uma", "approver");

        var forged = await Context.APIRequest.PostAsync("/sign-out", new APIRequestContextOptions { Form = Context.APIRequest.CreateFormData() });

        Assert.Equal(400, forged.Status);
        await Page.GotoAsync("/");
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Inbox" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Web_pages_have_a_strict_content_security_policy_and_the_API_ignores_the_session_cookie()
    {
        await SignInAsync("web-vic", "approver");

        var page = await Page.GotoAsync("/");
        var policy = await page!.HeaderValueAsync("content-security-policy");
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);

        // The cookie is sent with this request, but an API route never reads it (no cross-site request forgery).
        var api = await Context.APIRequest.GetAsync("/api/v1/inbox");
        Assert.Equal(401, api.Status);
    }

    [Fact]
    public async Task A_disabled_person_loses_their_open_session()
    {
        await SignInAsync("web-wen", "approver");
        using var admin = await Factory.ClientForUserAsync("web-admin", "admin");
        var disabled = await admin.PatchAsync("/api/v1/users/web-wen", new StringContent("{\"disabled\":true}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);

        await Page.GotoAsync("/");

        Assert.Contains("/sign-in", Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_page_is_a_404_page_for_a_browser_and_a_problem_for_API_clients()
    {
        await SignInAsync("web-xia", "approver");

        var page = await Page.GotoAsync("/no-such-page");
        Assert.Equal(404, page!.Status);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        await AssertAccessibleAsync();

        var api = await Context.APIRequest.GetAsync("/no-such-page", new APIRequestContextOptions { Headers = new Dictionary<string, string> { ["Accept"] = "application/json" } });
        Assert.Equal(404, api.Status);
        Assert.Equal("application/problem+json", api.Headers["content-type"]);
    }
}

/// <summary>Outside the Development environment the cookies are HTTPS-only unless configured otherwise.</summary>
public class WebSessionCookieDefaultsTests(SecurityApiFactory factory) : IClassFixture<SecurityApiFactory>
{
    [Fact]
    public async Task By_default_the_session_and_antiforgery_cookies_are_Secure()
    {
        await factory.UserAsync("web-secure", "approver");
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://localhost"),
            AllowAutoRedirect = false,
        });

        var form = await client.GetAsync("/sign-in");
        var html = await form.Content.ReadAsStringAsync();
        var token = WebForms.Token(html);
        var signedIn = await client.PostAsync("/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "web-secure",
            ["password"] = SecurityApiFactory.Password,
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookies = form.Headers.GetValues("Set-Cookie").Concat(signedIn.Headers.GetValues("Set-Cookie")).ToList();
        var session = Assert.Single(cookies, c => c.StartsWith(WebSession.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(cookies, c => c.StartsWith("approvals.antiforgery=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }
}
