using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>Creating a request through the form (the API's rules and field names) and finding it in "My requests", in Chromium.</summary>
public class NewRequestPageTests(WebAppFactory factory) : WebTestBase<WebAppFactory>(factory)
{
    private static readonly PageGetByLabelOptions Exact = new() { Exact = true };

    [Fact]
    public async Task Alice_sees_each_error_next_to_its_field_with_her_values_kept_then_her_request_in_my_requests()
    {
        await Factory.UserAsync("web-new-bob", "approver");
        await Factory.UserAsync("web-new-carol", "approver");
        var travel = await Factory.AddServiceRuleAsync("web-new-travel");
        await Factory.AddServiceRuleAsync("web-new-retired", enabled: false);
        var alice = await SignInAsync("web-new-alice", "requester");

        // The person's clock is in India (UTC+05:30, no daylight saving time): the deadline is read in it.
        var cdp = await Context.NewCDPSessionAsync(Page);
        await cdp.SendAsync("Emulation.setTimezoneOverride", new Dictionary<string, object> { ["timezoneId"] = "Asia/Kolkata" });
        await Page.GotoAsync("/mine");
        await Page.GetByRole(AriaRole.Link, new() { Name = "New request" }).ClickAsync();
        await Page.WaitForURLAsync("**/new");
        await Assertions.Expect(Page.GetByLabel("web-new-retired")).ToHaveCountAsync(0); // disabled rules are not offered
        await AssertAccessibleAsync();

        // First: no title. The other values, including a deadline in the past and an unknown approver, stay as typed.
        await Page.GetByLabel("Description", Exact).FillAsync("Two nights near the customer.");
        await Page.GetByLabel("Deadline", Exact).FillAsync("2020-01-01T09:00");
        await Page.GetByLabel("web-new-travel").CheckAsync();
        await Page.GetByLabel("Approvers", Exact).FillAsync("web-new-bob, nobody-such");
        await Page.GetByLabel("All of them").CheckAsync();
        await Page.GetByLabel("When the deadline passes while it is pending").SelectOptionAsync("reject");
        await SubmitAsync(expectedStatus: 400);

        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Some fields need your attention.");
        await ExpectFieldErrorAsync("title", "Title is required.");
        await Assertions.Expect(Page.GetByLabel("Description", Exact)).ToHaveValueAsync("Two nights near the customer.");
        await Assertions.Expect(Page.GetByLabel("Deadline", Exact)).ToHaveValueAsync("2020-01-01T09:00");
        await Assertions.Expect(Page.GetByLabel("web-new-travel")).ToBeCheckedAsync();
        await Assertions.Expect(Page.GetByLabel("Approvers", Exact)).ToHaveValueAsync("web-new-bob, nobody-such");
        await Assertions.Expect(Page.GetByLabel("All of them")).ToBeCheckedAsync();
        await Assertions.Expect(Page.GetByLabel("When the deadline passes while it is pending")).ToHaveValueAsync("reject");
        await AssertAccessibleAsync();
        await ScreenshotAsync("new-request");

        // Then the deadline, which lies in the past (the API's 422, shown at the deadline).
        await Page.GetByLabel("Title", Exact).FillAsync("Hotel in Pune");
        await SubmitAsync(expectedStatus: 422);
        await ExpectFieldErrorAsync("deadline", "The deadline must be in the future.");
        await Assertions.Expect(Page.Locator("#title-error")).ToHaveCountAsync(0);
        await Assertions.Expect(Page.GetByLabel("Title", Exact)).ToHaveValueAsync("Hotel in Pune");

        // Then the approver nobody knows.
        var deadline = new DateTimeOffset(Factory.Clock.GetUtcNow().AddDays(7).UtcDateTime.Date.AddHours(10), TimeSpan.Zero);
        var local = deadline.ToOffset(TimeSpan.FromMinutes(330));
        await Page.GetByLabel("Deadline", Exact).FillAsync(local.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        await SubmitAsync(expectedStatus: 422);
        await ExpectFieldErrorAsync("approvers", "nobody-such");
        await AssertAccessibleAsync();

        // Fixed: the request is created and waits in "My requests".
        await Page.GetByLabel("Approvers", Exact).FillAsync("web-new-bob, web-new-carol");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create request" }).ClickAsync();
        await Page.WaitForURLAsync("**/mine");
        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your request “Hotel in Pune” was created.");
        var row = Page.Locator("table.list tbody tr").Filter(new() { HasText = "Hotel in Pune" });
        await Assertions.Expect(row).ToContainTextAsync("Pending");
        await Assertions.Expect(row).ToContainTextAsync("0 of 2 approvals");

        // Exactly what the API would have stored, the deadline taken in the person's time zone.
        using var api = Factory.CreateAuthenticatedClient();
        var mine = Assert.Single((await api.GetFromJsonAsync<JsonObject>($"/api/v1/approvals?serviceRule={travel}"))!["items"]!.AsArray())!;
        Assert.Equal("Hotel in Pune", (string)mine["title"]!);
        Assert.Equal(alice.Actor, (string)mine["createdBy"]!);
        Assert.Equal(deadline, DateTimeOffset.Parse((string)mine["deadline"]!, CultureInfo.InvariantCulture));
        Assert.Equal("reject", (string)mine["onDeadline"]!);
        Assert.Equal("all", (string)mine["stages"]![0]!["policy"]!["mode"]!);
        Assert.Equal(["web-new-bob", "web-new-carol"], mine["stages"]![0]!["approvers"]!.AsArray().Select(a => (string)a!["user"]!));
        Assert.Equal($"/approvals/{(string)mine["id"]!}", await row.GetByRole(AriaRole.Link).GetAttributeAsync("href"));
    }

    [Fact]
    public async Task My_requests_shows_status_and_progress_newest_first_pages_and_keeps_the_status_filter()
    {
        await Factory.UserAsync("web-mine-bob", "approver");
        await Factory.UserAsync("web-mine-carol", "approver");
        var rule = await Factory.AddServiceRuleAsync("web-mine-rule");
        using var paula = await Factory.ClientForUserAsync("web-mine-paula", "requester");
        using var bob = Factory.ClientWithToken(await Factory.TokenAsync("web-mine-bob"));
        var bobAndCarol = new[] { new { user = "web-mine-bob" }, new { user = "web-mine-carol" } };
        var ids = new List<string>();
        for (var i = 1; i <= 27; i++)
        {
            Factory.Clock.Advance(TimeSpan.FromSeconds(1)); // created one after the other
            var response = await paula.PostAsJsonAsync("/api/v1/approvals", new
            {
                title = i switch { 25 => "Conference in Porto", 26 => "New build server", 27 => "Team offsite", _ => $"Paula's request {i:00}" },
                description = "d",
                deadline = Factory.Clock.GetUtcNow().AddDays(3),
                serviceRules = new[] { rule },
                approvers = i switch { 25 => bobAndCarol, 27 => [new { user = "web-mine-bob" }], _ => null },
                policy = i == 25 ? new { mode = "all" } : null,
                stages = i == 26
                    ? new object[]
                    {
                        new { name = "team lead", approvers = new[] { new { user = "web-mine-bob" } }, policy = new { mode = "any" } },
                        new { name = "finance", approvers = bobAndCarol, policy = new { mode = "atLeast", count = 2 } },
                    }
                    : null,
            });
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            ids.Add((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        }

        var cancelled = await paula.PostAsJsonAsync($"/api/v1/approvals/{ids[1]}/decision", new { decision = "cancel" });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancelled.StatusCode);
        foreach (var (index, decides) in new[] { (24, false), (25, false), (26, true) })
        {
            var voted = await bob.PostAsJsonAsync($"/api/v1/approvals/{ids[index]}/votes", new { vote = "approve" });
            Assert.Equal(decides ? System.Net.HttpStatusCode.Accepted : System.Net.HttpStatusCode.OK, voted.StatusCode);
        }

        await SignInAsync("web-mine-paula", "requester");
        await Page.GotoAsync("/mine");
        var rows = Page.Locator("table.list tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("Team offsite");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("Approved, being delivered");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("Being delivered: 0 of 1 service done");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("New build server");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("Stage 2 of 2 (finance): 0 of 2 approvals");
        await Assertions.Expect(rows.Nth(2)).ToContainTextAsync("Conference in Porto");
        await Assertions.Expect(rows.Nth(2)).ToContainTextAsync("1 of 2 approvals");
        await Assertions.Expect(rows.Nth(3)).ToContainTextAsync("Waiting for an approver's decision");
        await AssertAccessibleAsync();
        await ScreenshotAsync("my-requests");

        await Page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.First).ToContainTextAsync("Paula's request 02");
        await Assertions.Expect(rows.First).ToContainTextAsync("Cancelled, being delivered");
        await Assertions.Expect(rows.Last).ToContainTextAsync("Paula's request 01");

        await Page.GotoAsync("/mine");
        await Page.GetByLabel("Status").SelectOptionAsync(new SelectOptionValue { Label = "Pending" });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        Assert.Contains("status=PENDING", Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(rows).ToHaveCountAsync(25); // all 25 pending ones: no next page
        await Assertions.Expect(rows.First).ToContainTextAsync("New build server");
        await Assertions.Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToHaveCountAsync(0);
        await Page.GetByLabel("Status").SelectOptionAsync(new SelectOptionValue { Label = "Approved" });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(Page.GetByText("None of your requests has this status.")).ToBeVisibleAsync();

        await Page.GotoAsync("/mine?status=ACKNOWLEDGED_CANCELLED");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("Paula's request 02");
    }

    [Fact]
    public async Task A_person_without_the_create_right_gets_the_403_page()
    {
        await SignInAsync("web-new-dora", "approver");

        var page = await Page.GotoAsync("/new");

        Assert.Equal(403, page!.Status);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Page.GotoAsync("/mine");
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My requests" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Link, new() { Name = "New request" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_creates_nothing()
    {
        var rule = await Factory.AddServiceRuleAsync("web-new-forged");
        await SignInAsync("web-new-eve", "requester");
        var form = Context.APIRequest.CreateFormData();
        form.Set("title", "Forged");
        form.Set("description", "d");
        form.Set("deadline", Factory.Clock.GetUtcNow().AddDays(2).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture));
        form.Set("serviceRules", rule.ToString(CultureInfo.InvariantCulture));

        var forged = await Context.APIRequest.PostAsync("/new", new APIRequestContextOptions { Form = form });

        Assert.Equal(400, forged.Status);
        using var api = Factory.CreateAuthenticatedClient();
        var page = (await api.GetFromJsonAsync<JsonObject>($"/api/v1/approvals?serviceRule={rule}"))!;
        Assert.Empty(page["items"]!.AsArray());
    }

    private async Task SubmitAsync(int expectedStatus)
    {
        var response = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Create request" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/new", StringComparison.Ordinal));
        Assert.Equal(expectedStatus, response.Status);
    }

    /// <summary>The field's message next to it, named by the input's aria-describedby, and the input marked invalid.</summary>
    private async Task ExpectFieldErrorAsync(string field, string text)
    {
        await Assertions.Expect(Page.Locator($"#{field}-error")).ToContainTextAsync(text);
        var input = Page.Locator($"#{field}");
        await Assertions.Expect(input).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Contains($"{field}-error", await input.GetAttributeAsync("aria-describedby") ?? "", StringComparison.Ordinal);
    }
}
