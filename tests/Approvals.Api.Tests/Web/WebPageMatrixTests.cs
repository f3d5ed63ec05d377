using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Approvals.Api.Http;
using Approvals.Api.Tests.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Web;

/// <summary>Who opens a web page with what: signed out, with an API credential (which pages ignore), or signed in with a role.</summary>
public enum WebCaller
{
    SignedOut,
    ApiKeyOnly,
    Requester,
    Approver,
    Admin,
}

/// <summary>
/// One row per web page (GET): the path to open and what each caller gets. A number is the status; "sign-in" is a
/// redirect to the sign-in page; "/" and other paths are redirects there. <c>{approval}</c> in a path is an approval
/// that a service key created (so a requester may not read it; <see cref="WebPageMatrixTests"/> creates it).
/// </summary>
public sealed record WebPageCase(string Route, string Path, string SignedIn, string? Requester = null, string? Approver = null, string? Admin = null, string SignedOut = "sign-in")
{
    public string Expected(WebCaller caller) => caller switch
    {
        WebCaller.SignedOut or WebCaller.ApiKeyOnly => SignedOut,
        WebCaller.Requester => Requester ?? SignedIn,
        WebCaller.Approver => Approver ?? SignedIn,
        _ => Admin ?? SignedIn,
    };
}

public static class WebPageMatrix
{
    /// <summary>Every web page; <see cref="WebPageMatrixTests"/> fails when a page has no row here.</summary>
    public static IReadOnlyList<WebPageCase> Cases { get; } =
    [
        new("/", "/", "200"),
        new("/sign-in", "/sign-in", "/", SignedOut: "200"),
        new("/sign-out", "/sign-out", "/", SignedOut: "sign-in"),
        new("/account/password", "/account/password", "200"),
        new("/mine", "/mine", "200"),
        new("/new", "/new", "200", Approver: "403"),
        new("/error/{status:int}", "/error/404", "404", SignedOut: "404"),
        new("/admin", "/admin", "403", Admin: "200"),
        new("/admin/services", "/admin/services", "403", Admin: "200"),
        new("/admin/deliveries", "/admin/deliveries", "403", Admin: "200"),
        new("/admin/clients", "/admin/clients", "403", Admin: "200"),
        new("/admin/groups", "/admin/groups", "403", Admin: "200"),
        new("/admin/groups/{name}", "/admin/groups/no-such-group", "403", Admin: "404"),
        new("/approvals/{id}", "/approvals/{approval}", "200", Requester: "404"),
        new("/approvals/{id}/live", "/approvals/{approval}/live", "200", Requester: "404"),
    ];
}

/// <summary>Every web page times every kind of caller, through real sign-ins and the session cookie.</summary>
public class WebPageMatrixTests(WebAppFactory factory) : IClassFixture<WebAppFactory>
{
    public static TheoryData<string, WebCaller> Cells()
    {
        var cells = new TheoryData<string, WebCaller>();
        foreach (var page in WebPageMatrix.Cases)
        {
            foreach (var caller in Enum.GetValues<WebCaller>())
            {
                cells.Add(page.Route, caller);
            }
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Page_answers_the_caller_as_the_matrix_says(string route, WebCaller caller)
    {
        var page = WebPageMatrix.Cases.Single(c => c.Route == route);
        using var client = await ClientAsync(caller);

        // Headers only: a live stream (Server-Sent Events) answers its status at once and then stays open.
        using var response = await client.GetAsync(await PathOfAsync(page), HttpCompletionOption.ResponseHeadersRead);

        var expected = page.Expected(caller);
        var actual = response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found
            ? response.Headers.Location!.OriginalString is var location && location.Contains("/sign-in", StringComparison.Ordinal) && expected == "sign-in"
                ? "sign-in"
                : new Uri(new Uri("http://x"), location).AbsolutePath
            : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expected == actual, $"{page.Path} as {caller}: expected {expected}, got {actual}");
    }

    [Fact]
    public void Every_web_page_has_a_row_in_the_matrix_and_every_row_a_page()
    {
        var pages = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<WebPageMetadata>() is not null)
            .Select(e => "/" + e.RoutePattern.RawText!.Trim('/'))
            .ToHashSet();
        var covered = WebPageMatrix.Cases.Select(c => c.Route).ToHashSet();

        Assert.Empty(pages.Except(covered).Order());
        Assert.Empty(covered.Except(pages).Order());
    }

    private async Task<string> PathOfAsync(WebPageCase page)
    {
        if (!page.Path.Contains("{approval}", StringComparison.Ordinal))
        {
            return page.Path;
        }

        using var service = factory.CreateAuthenticatedClient();
        var rule = await factory.AddServiceRuleAsync($"matrix-{Guid.NewGuid():N}");
        var created = await service.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Matrix request",
            description = "Opened by every kind of caller.",
            deadline = factory.Clock.GetUtcNow().AddDays(3),
            serviceRules = new[] { rule },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (string)(await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!;
        return page.Path.Replace("{approval}", id, StringComparison.Ordinal);
    }

    private async Task<HttpClient> ClientAsync(WebCaller caller)
    {
        // A plain client of the Kestrel server, keeping cookies and showing redirects, as a browser without scripts.
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(factory.BaseUrl),
        };
        switch (caller)
        {
            case WebCaller.SignedOut:
                break;
            case WebCaller.ApiKeyOnly:
                client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Infrastructure.ApprovalsApiFactory.ApiKey);
                break;
            default:
                var username = $"matrix-{caller.ToString().ToLowerInvariant()}";
                await factory.UserAsync(username, caller.ToString().ToLowerInvariant());
                await WebForms.SignInAsync(client, username);
                break;
        }

        return client;
    }
}
