using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>The inbox page: filters, paging that keeps them, and approving several requests with one comment, in Chromium.</summary>
public class InboxPageTests(WebAppFactory factory) : WebTestBase<WebAppFactory>(factory)
{
    [Fact]
    public async Task Bob_filters_his_inbox_pages_through_it_and_approves_two_with_one_comment()
    {
        await Factory.UserAsync("web-inbox-bob", "approver");
        await Factory.UserAsync("web-inbox-carol", "approver");
        var (orders, trains) = (await Factory.AddServiceRuleAsync("web-inbox-orders"), await Factory.AddServiceRuleAsync("web-inbox-trains"));
        using var alice = await Factory.ClientForUserAsync("web-inbox-alice", "requester");
        var now = Factory.Clock.GetUtcNow();
        async Task<string> CreateAsync(string title, TimeSpan inTime, int rule, params string[] approvers)
        {
            var response = await alice.PostAsJsonAsync("/api/v1/approvals", new
            {
                title,
                description = "d",
                deadline = now + inTime,
                serviceRules = new[] { rule },
                approvers = approvers.Select(user => new { user }),
                policy = new { mode = "all" },
            });
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        }

        await CreateAsync("Order 00: overdue paper", TimeSpan.FromHours(1), orders, "web-inbox-bob");
        for (var i = 1; i <= 26; i++)
        {
            await CreateAsync($"Order {i:00}: office supplies", TimeSpan.FromDays(1) + TimeSpan.FromMinutes(i), orders, "web-inbox-bob");
        }

        var berlin = await CreateAsync("Train to Berlin", TimeSpan.FromDays(2), trains, "web-inbox-bob");
        var berlinTogether = await CreateAsync("Train to BERLIN with Carol", TimeSpan.FromDays(3), trains, "web-inbox-bob", "web-inbox-carol");
        await CreateAsync("Train to Lisbon", TimeSpan.FromDays(4), trains, "web-inbox-bob");
        await CreateAsync("Not Bob's: train to Berlin", TimeSpan.FromDays(2), trains, "web-inbox-carol");
        Factory.Clock.Advance(TimeSpan.FromHours(2)); // the paper order is overdue now

        await SignInAsync("web-inbox-bob", "approver");
        var rows = Page.Locator("table.list tbody tr");
        await Assertions.Expect(Page.GetByTestId("inbox-summary")).ToContainTextAsync("30 requests wait for your vote, 1 overdue.");
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        await Assertions.Expect(rows.First).ToContainTextAsync("Order 00: overdue paper");
        await Assertions.Expect(rows.First).ToContainTextAsync("Overdue");
        await AssertAccessibleAsync();
        await ScreenshotAsync("inbox");

        // Paging through all of it.
        await Page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(5);
        await Assertions.Expect(rows.Last).ToContainTextAsync("Train to Lisbon");

        // By text in the title, in any case.
        await Page.GotoAsync("/");
        await Page.GetByLabel("Title contains").FillAsync("berlin");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.First).ToContainTextAsync("Train to Berlin");
        await Assertions.Expect(rows.Last).ToContainTextAsync("Train to BERLIN with Carol");
        await Assertions.Expect(Page.GetByTestId("inbox-summary")).ToContainTextAsync("30 requests wait for your vote, 1 overdue. 2 match your filters.");
        await Assertions.Expect(Page.GetByLabel("Title contains")).ToHaveValueAsync("berlin");

        // By service rule, paging with the filter kept.
        await Page.GetByLabel("Title contains").FillAsync("");
        await Page.GetByLabel("Service rule").SelectOptionAsync(new SelectOptionValue { Label = "web-inbox-orders" });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Contains($"serviceRule={orders}", Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(rows.Last).ToContainTextAsync("Order 26: office supplies");
        await Assertions.Expect(Page.GetByLabel("Service rule")).ToHaveValueAsync(orders.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Overdue only.
        await Page.GotoAsync("/");
        await Page.GetByLabel("Status").SelectOptionAsync(new SelectOptionValue { Label = "Overdue" });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("Order 00: overdue paper");

        // Two approved at once with one comment: one decided by it, one still waiting for Carol.
        await Page.GotoAsync($"/?q=berlin&serviceRule={trains}");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Page.GetByLabel("Select Train to Berlin", new() { Exact = true }).CheckAsync();
        await Page.GetByLabel("Select Train to BERLIN with Carol", new() { Exact = true }).CheckAsync();
        await Page.GetByLabel("Comment for every approval (optional)").FillAsync("Booked within the travel budget.");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();

        var outcomes = Page.GetByTestId("bulk-outcomes").Locator("li");
        await Assertions.Expect(outcomes).ToHaveCountAsync(2);
        await Assertions.Expect(outcomes.Nth(0)).ToHaveTextAsync("Train to Berlin: Approved, and your vote decided it.");
        await Assertions.Expect(outcomes.Nth(1)).ToHaveTextAsync("Train to BERLIN with Carol: Approved; others still have to vote.");
        Assert.Contains("q=berlin", Page.Url, StringComparison.Ordinal); // back to the same filters
        await Assertions.Expect(Page.GetByText("Nothing that waits for you matches these filters.")).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByTestId("inbox-summary")).ToContainTextAsync("28 requests wait for your vote");
        await AssertAccessibleAsync();

        // The votes are bob's, with the comment, as the API shows them.
        using var api = Factory.CreateAuthenticatedClient();
        foreach (var (id, status) in new[] { (berlin, "ACKNOWLEDGED_APPROVED"), (berlinTogether, "PENDING") })
        {
            var approval = (await api.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{id}"))!;
            Assert.Equal(status, (string)approval["status"]!);
            var vote = Assert.Single(approval["stages"]![0]!["votes"]!.AsArray())!;
            Assert.Equal(("web-inbox-bob", "approve", "Booked within the travel budget."), ((string)vote["voter"]!, (string)vote["vote"]!, (string)vote["comment"]!));
        }
    }

    [Fact]
    public async Task A_refused_item_is_explained_in_words_and_the_others_go_through()
    {
        await Factory.UserAsync("web-bulk-bob", "approver");
        var rule = await Factory.AddServiceRuleAsync("web-bulk-rule");
        using var alice = await Factory.ClientForUserAsync("web-bulk-alice", "requester");
        using var api = Factory.CreateAuthenticatedClient();
        async Task<string> CreateAsync(string title)
        {
            var response = await alice.PostAsJsonAsync("/api/v1/approvals", new
            {
                title,
                description = "d",
                deadline = Factory.Clock.GetUtcNow().AddDays(2),
                serviceRules = new[] { rule },
                approvers = new[] { new { user = "web-bulk-bob" } },
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        }

        var kept = await CreateAsync("Still open");
        var withdrawn = await CreateAsync("Withdrawn meanwhile");
        await SignInAsync("web-bulk-bob", "approver");
        await Page.GotoAsync("/");

        // Nothing chosen: nothing is voted, and the page says why.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Choose the requests to approve first.");
        await Assertions.Expect(Page.Locator("table.list tbody tr")).ToHaveCountAsync(2);

        await Page.GetByLabel("Select Still open", new() { Exact = true }).CheckAsync();
        await Page.GetByLabel("Select Withdrawn meanwhile", new() { Exact = true }).CheckAsync();

        // alice withdraws hers while bob's page is open.
        var cancel = await alice.PostAsJsonAsync($"/api/v1/approvals/{withdrawn}/decision", new { decision = "cancel" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();

        var outcomes = Page.GetByTestId("bulk-outcomes").Locator("li");
        await Assertions.Expect(outcomes).ToHaveCountAsync(2);
        await Assertions.Expect(outcomes.Filter(new() { HasText = "Still open" })).ToHaveTextAsync("Still open: Approved, and your vote decided it.");
        await Assertions.Expect(outcomes.Filter(new() { HasText = "Withdrawn meanwhile" }))
            .ToHaveTextAsync("Withdrawn meanwhile: Not approved: This request is being delivered and is locked until every service has the decision.");
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string)(await api.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{kept}"))!["status"]!);
        var refused = (await api.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{withdrawn}"))!;
        Assert.Equal("ACKNOWLEDGED_CANCELLED", (string)refused["status"]!);
        Assert.Empty(refused["stages"]![0]!["votes"]!.AsArray());
    }

    [Fact]
    public async Task A_bad_filter_is_shown_next_to_its_field_with_the_APIs_words()
    {
        await SignInAsync("web-filter-bob", "approver");

        var page = await Page.GotoAsync("/?serviceRule=abc");

        Assert.Equal(400, page!.Status);
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Some fields need your attention.");
        await Assertions.Expect(Page.Locator("#serviceRule-error")).ToHaveTextAsync("Must be an integer from 1 to 2147483647.");
        await Assertions.Expect(Page.GetByLabel("Service rule")).ToHaveAttributeAsync("aria-describedby", "serviceRule-error");
        await Assertions.Expect(Page.GetByText("Correct the filters to see your inbox.")).ToBeVisibleAsync();
        await AssertAccessibleAsync();

        // The text filter's rule is the inbox use case's, as for the API.
        var tooLong = new string('x', 201);
        page = await Page.GotoAsync("/?q=" + tooLong);
        Assert.Equal(400, page!.Status);
        await Assertions.Expect(Page.Locator("#q-error")).ToHaveTextAsync("Must be at most 200 characters, without control characters.");
        await Assertions.Expect(Page.GetByLabel("Title contains")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(Page.GetByLabel("Title contains")).ToHaveValueAsync(tooLong); // kept as sent
    }

    [Fact]
    public async Task A_bulk_approval_without_the_antiforgery_token_is_refused_and_votes_nothing()
    {
        await Factory.UserAsync("web-forge-bob", "approver");
        var rule = await Factory.AddServiceRuleAsync("web-forge-rule");
        using var alice = await Factory.ClientForUserAsync("web-forge-alice", "requester");
        var response = await alice.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Target",
            description = "d",
            deadline = Factory.Clock.GetUtcNow().AddDays(2),
            serviceRules = new[] { rule },
            approvers = new[] { new { user = "web-forge-bob" } },
        });
        var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await SignInAsync("web-forge-bob", "approver");
        var form = Context.APIRequest.CreateFormData();
        form.Set("ids", id);
        form.Set("comment", "forged");

        var forged = await Context.APIRequest.PostAsync("/?handler=Approve", new APIRequestContextOptions { Form = form });

        Assert.Equal(400, forged.Status);
        using var api = Factory.CreateAuthenticatedClient();
        var approval = (await api.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{id}"))!;
        Assert.Equal("PENDING", (string)approval["status"]!);
        Assert.Empty(approval["stages"]![0]!["votes"]!.AsArray());
    }
}
