using Approvals.Api.Tests.Security;
using Approvals.Testing;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// A browser page against the real service: each test starts signed out in a fresh browser context. Helpers sign in
/// through the sign-in form, check a page with axe-core, and save screenshots for the README.
/// </summary>
public abstract class WebTestBase<TFactory>(TFactory factory) : IClassFixture<TFactory>, IAsyncLifetime
    where TFactory : WebAppFactory
{
    protected TFactory Factory { get; } = factory;

    protected IBrowserContext Context { get; private set; } = null!;

    protected IPage Page { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var browser = await Chromium.BrowserAsync();
        Context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Factory.BaseUrl, Locale = "en-GB" });
        Context.SetDefaultTimeout(15_000);
        Page = await Context.NewPageAsync();
    }

    public async Task DisposeAsync() => await Context.CloseAsync();

    /// <summary>Creates the user on first use (with these roles) and signs in through the form.</summary>
    protected async Task<TestUser> SignInAsync(string username, params string[] roles)
    {
        var user = await Factory.UserAsync(username, roles);
        await Page.GotoAsync("/sign-in");
        await Page.GetByLabel("Username").FillAsync(username);
        await Page.GetByLabel("Password").FillAsync(SecurityApiFactory.Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Page.WaitForURLAsync(url => !url.Contains("/sign-in", StringComparison.Ordinal));
        return user;
    }

    /// <summary>Fails on any serious or critical axe-core violation of the page as it is now.</summary>
    protected async Task AssertAccessibleAsync()
    {
        var results = await Page.RunAxe();
        var severe = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(severe.Count == 0, $"{Page.Url}: " + string.Join("\n", severe.Select(Describe)));
    }

    /// <summary>Saves a screenshot as docs/images/<paramref name="name"/>.png when generated docs are being updated, else under the test output.</summary>
    protected async Task ScreenshotAsync(string name)
    {
        var path = RepositoryFiles.UpdateRequested
            ? RepositoryFiles.PathOf($"docs/images/{name}.png")
            : Path.Combine(AppContext.BaseDirectory, "screenshots", $"{name}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    private static string Describe(AxeResultItem violation) =>
        $"{violation.Impact} {violation.Id}: {violation.Help} at {string.Join(", ", violation.Nodes.Select(n => n.Target?.ToString()))}";
}
