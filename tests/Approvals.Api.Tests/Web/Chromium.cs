using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// One headless Chromium for the whole test run, driven by Playwright: Debian's <c>chromium</c> package (installed by
/// .ci/run), launched by its path since Playwright cannot download browsers here (<c>CHROMIUM_PATH</c> overrides it).
/// Each test gets its own browser context, so no cookie or storage passes between tests.
/// </summary>
public static class Chromium
{
    private static readonly Lazy<Task<(IPlaywright Playwright, IBrowser Browser)>> Shared = new(LaunchAsync);

    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<IBrowser> BrowserAsync() => (await Shared.Value).Browser;

    private static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"Chromium is not installed at {ExecutablePath}: apt-get install chromium (.ci/run does).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,

            // As root there is no sandbox; the rest keeps Chromium off the network it cannot reach here.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            browser.CloseAsync().Wait(TimeSpan.FromSeconds(5));
            playwright.Dispose();
        };
        return (playwright, browser);
    }
}
