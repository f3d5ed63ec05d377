using Approvals.Api.Auth;
using Approvals.Api.Tests.Security;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// The approval detail page in Chromium (delivery off, so decided requests stay "being delivered"): what it shows,
/// the actions it offers and posts to the API's use cases, refusals and conflicts in words, and who may open it.
/// </summary>
public class ApprovalDetailTests(WebAppFactory factory) : WebTestBase<WebAppFactory>(factory)
{
    private ILocator Status => Page.GetByTestId("approval-status");

    private ILocator Alert => Page.GetByRole(AriaRole.Alert);

    [Fact]
    public async Task A_named_approver_opens_a_request_from_the_inbox_sees_its_stages_and_timeline_and_votes_with_a_comment()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var dave = await Factory.ClientForUserAsync("dave", Roles.Approver);
        await Factory.UserAsync("bob", Roles.Approver);
        await Factory.UserAsync("erin", Roles.Approver);
        await Factory.UserAsync("frank", Roles.Approver);
        var rule = await Factory.AddServiceRuleAsync("billing");
        var id = await WebApprovals.CreateAsync(Factory, alice, "Two laptops for design", rule, new
        {
            stages = new object[]
            {
                new { name = "manager", approvers = new object[] { new { user = "dave" } }, policy = new { mode = "any" } },
                new { name = "finance", approvers = new object[] { new { user = "bob" }, new { user = "erin" }, new { user = "frank" } }, policy = new { mode = "atLeast", count = 2 } },
            },
        });
        await WebApprovals.VoteAsync(dave, id, "approve", "Manager is fine with it");

        await SignInAsync("bob", Roles.Approver);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Two laptops for design" }).ClickAsync();

        await Page.WaitForURLAsync($"**/approvals/{id}");
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Two laptops for design", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByTestId("requested-by")).ToHaveTextAsync("alice");
        await Assertions.Expect(Status).ToHaveTextAsync("Pending");
        await Assertions.Expect(Page.GetByTestId("countdown")).ToContainTextAsync("in 2 days");
        await Assertions.Expect(Page.GetByText("Once the request is decided, the decision is delivered to billing.")).ToBeVisibleAsync();
        var stages = Page.GetByTestId("stage");
        await Assertions.Expect(stages.Nth(0)).ToContainTextAsync("Stage 1: manager Approved");
        await Assertions.Expect(stages.Nth(0)).ToContainTextAsync("Any one of: dave");
        await Assertions.Expect(stages.Nth(0)).ToContainTextAsync("Manager is fine with it");
        await Assertions.Expect(stages.Nth(1)).ToContainTextAsync("Stage 2: finance Open: its approvers vote now");
        await Assertions.Expect(stages.Nth(1)).ToContainTextAsync("At least 2 of: bob, erin, frank");
        var timeline = Page.Locator(".timeline");
        await Assertions.Expect(timeline).ToContainTextAsync("alice created the request");
        await Assertions.Expect(timeline).ToContainTextAsync("dave voted to approve in the stage 'manager'");
        await Assertions.Expect(timeline).ToContainTextAsync("Open stage: manager → finance");
        await AssertAccessibleAsync();

        // At phone width nothing runs off the side.
        await Page.SetViewportSizeAsync(375, 800);
        Assert.True(await Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than a phone");
        await Page.SetViewportSizeAsync(1280, 720);

        await Page.GetByLabel("Comment (optional)").FillAsync("Fits the budget");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your vote to approve is recorded.");
        Assert.Contains($"/approvals/{id}?done=vote-approve", Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(stages.Nth(1)).ToContainTextAsync("Fits the budget");
        await Assertions.Expect(Status).ToHaveTextAsync("Pending");
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0); // a vote is final
        var approval = await WebApprovals.GetAsync(alice, id);
        var vote = approval["stages"]![1]!["votes"]![0]!;
        Assert.Equal(("bob", "approve", "Fits the budget"), ((string)vote["voter"]!, (string)vote["vote"]!, (string)vote["comment"]!));
    }

    [Fact]
    public async Task Without_named_approvers_an_approver_decides_and_the_requester_may_only_cancel()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        var rule = await Factory.AddServiceRuleAsync("payroll");
        var mine = await WebApprovals.CreateAsync(Factory, alice, "Conference ticket", rule);
        var other = await WebApprovals.CreateAsync(Factory, alice, "Standing desk", rule);

        await SignInAsync("alice", Roles.Requester);
        await Page.GotoAsync($"/approvals/{mine}");
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Cancel request" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await Assertions.Expect(Page.GetByText("No approvers are named")).ToBeVisibleAsync();
        await Page.GetByLabel("Why (optional)").FillAsync("Found a cheaper one");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Cancel request" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("You cancelled this request.");
        await Assertions.Expect(Status).ToHaveTextAsync("Cancelled, being delivered");
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Cancel request" })).ToHaveCountAsync(0);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await SignInAsync("bob", Roles.Approver);
        await Page.GotoAsync($"/approvals/{other}");
        await Page.GetByLabel("Comment (optional)").FillAsync("Over budget this quarter");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("You rejected this request.");
        await Assertions.Expect(Status).ToHaveTextAsync("Rejected, being delivered");
        await Assertions.Expect(Page.GetByTestId("delivery")).ToContainTextAsync("payroll");
        var timeline = Page.Locator(".timeline");
        await Assertions.Expect(timeline).ToContainTextAsync("bob rejected the request");
        await Assertions.Expect(timeline).ToContainTextAsync("Status: Pending → Rejected, being delivered");
        await Assertions.Expect(timeline).ToContainTextAsync("Comment: Budget line 4.2 → Over budget this quarter");
        await AssertAccessibleAsync();
        Assert.Equal("ACKNOWLEDGED_REJECTED", (string)(await WebApprovals.GetAsync(alice, other))["status"]!);
    }

    [Fact]
    public async Task A_stale_page_posting_after_another_approver_decided_is_told_so_in_words_and_changes_nothing()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("dave", Roles.Approver);
        await Factory.UserAsync("bob", Roles.Approver);
        var id = await WebApprovals.CreateAsync(Factory, alice, "Team offsite", await Factory.AddServiceRuleAsync("travel"),
            new { approvers = new object[] { new { user = "bob" }, new { user = "dave" } }, policy = new { mode = "any" } });

        await SignInAsync("dave", Roles.Approver);
        await Page.GotoAsync($"/approvals/{id}");
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeVisibleAsync();

        await using var bobContext = await (await Chromium.BrowserAsync()).NewContextAsync(new() { BaseURL = Factory.BaseUrl, Locale = "en-GB" });
        var bob = await bobContext.NewPageAsync();
        await SignInOnAsync(bob, "bob", Roles.Approver);
        await bob.GotoAsync($"/approvals/{id}");
        await bob.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(bob.GetByTestId("approval-status")).ToHaveTextAsync("Approved, being delivered");

        var refused = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(412, refused.Status);
        await Assertions.Expect(Alert).ToHaveTextAsync("Another approver decided a moment ago: bob approved the request.");
        await Assertions.Expect(Status).ToHaveTextAsync("Approved, being delivered");
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await AssertAccessibleAsync();
        var approval = await WebApprovals.GetAsync(alice, id);
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string)approval["status"]!);
        Assert.Equal(["bob"], approval["stages"]![0]!["votes"]!.AsArray().Select(v => (string)v!["voter"]!));
    }

    [Fact]
    public async Task The_server_judges_a_forged_action_and_explains_the_refusal_in_words()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("bob", Roles.Approver);
        var id = await WebApprovals.CreateAsync(Factory, alice, "Own request", await Factory.AddServiceRuleAsync("hr"),
            new { approvers = new object[] { new { user = "alice" }, new { user = "bob" } } });

        await SignInAsync("alice", Roles.Requester);
        await Page.GotoAsync($"/approvals/{id}");
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0); // four eyes: not offered

        // The cancel form, turned into a vote to approve: the page never offered it, the use case refuses it.
        await Page.EvalOnSelectorAsync(".cancel-form", """
            form => {
                form.action = form.action.replace('handler=Decide', 'handler=Vote');
                form.querySelector('button[name=choice]').value = 'approve';
            }
            """);
        var refused = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Cancel request" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(403, refused.Status);
        await Assertions.Expect(Alert).ToHaveTextAsync("You cannot approve or reject your own request; someone else has to decide.");
        await Assertions.Expect(Status).ToHaveTextAsync("Pending");
        var approval = await WebApprovals.GetAsync(alice, id);
        Assert.Equal((1, 0), ((int)approval["version"]!, approval["stages"]![0]!["votes"]!.AsArray().Count));
    }

    [Fact]
    public async Task Vote_and_decision_posts_without_the_antiforgery_token_are_refused_and_change_nothing()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("bob", Roles.Approver);
        var named = await WebApprovals.CreateAsync(Factory, alice, "Named", await Factory.AddServiceRuleAsync("it"), new { approvers = new object[] { new { user = "bob" } } });
        var open = await WebApprovals.CreateAsync(Factory, alice, "Open", await Factory.AddServiceRuleAsync("ops"));
        await SignInAsync("bob", Roles.Approver);

        foreach (var (id, handler) in new[] { (named, "Vote"), (open, "Decide") })
        {
            var form = Context.APIRequest.CreateFormData();
            form.Set("choice", "approve");
            form.Set("version", "1");
            var forged = await Context.APIRequest.PostAsync($"/approvals/{id}?handler={handler}", new() { Form = form });

            Assert.Equal(400, forged.Status);
            var approval = await WebApprovals.GetAsync(alice, id);
            Assert.Equal(("PENDING", 1), ((string)approval["status"]!, (int)approval["version"]!));
        }
    }

    [Fact]
    public async Task Someone_who_may_not_read_a_request_gets_the_404_page_for_it_its_progress_and_its_live_stream()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        var id = await WebApprovals.CreateAsync(Factory, alice, "Alice's secret", await Factory.AddServiceRuleAsync("legal"));
        await SignInAsync("mallory", Roles.Requester);

        foreach (var path in new[] { $"/approvals/{id}", $"/approvals/{id}?handler=progress", $"/approvals/{id}?handler=timeline", $"/approvals/{Guid.NewGuid()}", "/approvals/not-an-id" })
        {
            var response = await Page.GotoAsync(path);
            Assert.Equal(404, response!.Status);
            await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
            await Assertions.Expect(Page.GetByText("Alice's secret")).ToHaveCountAsync(0);
        }

        await AssertAccessibleAsync();
        var live = await Context.APIRequest.GetAsync($"/approvals/{id}/live");
        Assert.Equal(404, live.Status);
        Assert.DoesNotContain("Alice's secret", await live.TextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_stream_does_not_renew_the_session_but_opening_a_page_does()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        var id = await WebApprovals.CreateAsync(Factory, alice, "Idle check", await Factory.AddServiceRuleAsync("idle"));
        await Factory.UserAsync("olga", Roles.Approver);
        using var olga = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() })
        {
            BaseAddress = new Uri(Factory.BaseUrl),
        };
        await WebForms.SignInAsync(olga, "olga");

        // Past half of the 480-minute idle timeout, any request of the person's renews the session.
        Factory.Clock.Advance(TimeSpan.FromMinutes(300));

        using (var live = await olga.GetAsync($"/approvals/{id}/live", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);
            Assert.DoesNotContain(SetCookies(live), c => c.StartsWith(WebSession.CookieName + "=", StringComparison.Ordinal));
        }

        using var page = await olga.GetAsync($"/approvals/{id}");
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(SetCookies(page), c => c.StartsWith(WebSession.CookieName + "=", StringComparison.Ordinal));
    }

    private static IEnumerable<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [];

    private async Task SignInOnAsync(IPage page, string username, params string[] roles)
    {
        await Factory.UserAsync(username, roles);
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(SecurityApiFactory.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/sign-in", StringComparison.Ordinal));
    }
}
