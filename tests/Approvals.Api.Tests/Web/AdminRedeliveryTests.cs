using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Testing;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>Carol redelivers a failed delivery from the failed deliveries page and sees it succeed.</summary>
public class AdminRedeliveryTests(WebDeliveryAppFactory factory) : WebTestBase<WebDeliveryAppFactory>(factory)
{
    [Fact]
    public async Task Carol_redelivers_a_failed_delivery_and_sees_it_succeed()
    {
        var rule = await Factory.AddUserServiceRuleAsync("redelivered");
        var approval = await Factory.CreateApprovalForAsync(rule, "Rack of servers");
        var job = await Factory.SeedFailedDeliveryAsync(approval);
        await SignInAsync("carol", "admin");

        await Page.GotoAsync("/admin/deliveries");
        var row = Page.GetByTestId($"job-{job}");
        await Assertions.Expect(row).ToContainTextAsync("Rack of servers");
        await Assertions.Expect(row).ToContainTextAsync("HTTP 400");
        await AssertAccessibleAsync();
        await ScreenshotAsync("admin-deliveries");

        await row.GetByRole(AriaRole.Button, new() { Name = "Redeliver “Rack of servers”" }).ClickAsync();

        await Page.WaitForURLAsync($"**/admin/deliveries?redelivered={approval}");
        var status = Page.GetByTestId("redelivered-status");
        await Assertions.Expect(status).ToBeVisibleAsync();

        // The delivery runs in the background; the page tells where it stands each time it is loaded.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await status.InnerTextAsync() != "Approved")
        {
            Assert.True(DateTime.UtcNow < deadline, $"The redelivered approval is still {await status.InnerTextAsync()}.");
            await Page.ReloadAsync();
        }

        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Delivered.");
        await Assertions.Expect(Page.GetByTestId($"job-{job}")).ToHaveCountAsync(0);
        await AssertAccessibleAsync();

        using var admin = Factory.CreateAuthenticatedClient();
        var deliveries = (await admin.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{approval}/deliveries"))!;
        var delivered = Assert.Single(deliveries, d => (string?)d!["id"] == job.ToString())!;
        Assert.Equal("succeeded", (string?)delivered["state"]);
        Assert.Equal(2, (int)delivered["attempts"]!);
        var received = (await Factory.UserService.ReceivedAsync(approval))!;
        Assert.Equal(3, (int?)received["status"]);
        var history = await admin.GetAsync($"/api/v1/approvals/{approval}/history");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        Assert.Contains("\"redelivered\"", await history.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
