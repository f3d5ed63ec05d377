using System.Net;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Events;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// Several instances behind one address: the cookies' keys are kept in PostgreSQL (<c>data_protection_keys</c>), so a
/// session and a form's antiforgery token made by one instance are good on another.
/// </summary>
public class SharedKeyRingTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public async Task A_session_and_a_form_token_from_one_instance_are_good_on_another()
    {
        await Factory.UserAsync("pia", Roles.Requester);
        using var first = Browser(Factory);
        var cookies = new Dictionary<string, string>();
        var (signInToken, _) = await PageAsync(first, "/sign-in", cookies);
        using var signIn = Post("/sign-in", cookies, new() { ["username"] = "pia", ["password"] = SecurityApiFactory.Password, ["__RequestVerificationToken"] = signInToken });
        var signedIn = await first.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Keep(signedIn, cookies);
        Assert.Contains(WebSession.CookieName, cookies.Keys);

        await using (var db = Factory.CreateDbContext())
        {
            Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
        }

        // Another instance on the same database reads the session and accepts the first one's form token.
        await using var other = new SecondApiHost(Factory.ConnectionString, Factory.Clock);
        using var second = Browser(other);
        var (formToken, mine) = await PageAsync(first, "/mine", cookies);
        Assert.Equal(HttpStatusCode.OK, mine);
        using var read = new HttpRequestMessage(HttpMethod.Get, "/mine");
        read.Headers.TryAddWithoutValidation("Cookie", CookieHeader(cookies));
        var onSecond = await second.SendAsync(read);
        Assert.Equal(HttpStatusCode.OK, onSecond.StatusCode);
        Assert.Contains("pia", await onSecond.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var signOut = Post("/sign-out", cookies, new() { ["__RequestVerificationToken"] = formToken });
        var signedOut = await second.SendAsync(signOut);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode); // not 400: the token was good here too
    }

    /// <summary>A client that keeps no cookies itself (the test carries them between instances), over https as the cookies are Secure.</summary>
    private static HttpClient Browser<T>(WebApplicationFactory<T> host)
        where T : class =>
        host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = new Uri("https://localhost") });

    /// <summary>GETs a page as a browser, keeping its cookies; returns its form's antiforgery token and the status.</summary>
    private static async Task<(string Token, HttpStatusCode Status)> PageAsync(HttpClient client, string path, Dictionary<string, string> cookies)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        if (cookies.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", CookieHeader(cookies));
        }

        var response = await client.SendAsync(request);
        Keep(response, cookies);
        return (WebForms.Token(await response.Content.ReadAsStringAsync()), response.StatusCode);
    }

    private static HttpRequestMessage Post(string path, Dictionary<string, string> cookies, Dictionary<string, string> form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.TryAddWithoutValidation("Cookie", CookieHeader(cookies));
        return request;
    }

    private static void Keep(HttpResponseMessage response, Dictionary<string, string> cookies)
    {
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = header.Split(';')[0].Split('=', 2);
            if (pair[1].Length == 0)
            {
                cookies.Remove(pair[0]); // deleted
            }
            else
            {
                cookies[pair[0]] = pair[1];
            }
        }
    }

    private static string CookieHeader(Dictionary<string, string> cookies) => string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}"));
}
