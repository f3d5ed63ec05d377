using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// The admin pages in Chromium: API clients (the key shown once, revoking), groups, the service rules' delivery
/// health against attempts arranged in the database, the failed deliveries' refusal in words, and who may open them.
/// </summary>
public class AdminPagesTests(WebAppFactory factory) : WebTestBase<WebAppFactory>(factory)
{
    private static readonly string[] AdminPaths = ["/admin", "/admin/services", "/admin/deliveries", "/admin/clients", "/admin/groups", "/admin/groups/anything"];

    [Fact]
    public async Task The_overview_links_every_section_and_the_header_links_the_overview()
    {
        await SignInAsync("carol", "admin");

        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();

        await Page.WaitForURLAsync("**/admin");
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Administration", Level = 1 })).ToBeVisibleAsync();
        foreach (var (name, path) in new[] { ("Service rules", "/admin/services"), ("Failed deliveries", "/admin/deliveries"), ("API clients", "/admin/clients"), ("Groups", "/admin/groups") })
        {
            await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 2 }).GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", path);
        }

        await AssertAccessibleAsync();
    }

    [Fact]
    public async Task Carol_creates_an_API_client_sees_its_key_once_and_revokes_it()
    {
        await SignInAsync("carol", "admin");
        await Page.GotoAsync("/admin/clients");
        await AssertAccessibleAsync();

        await Page.GetByLabel("Name").FillAsync("web-billing");
        await Page.GetByLabel("approvals:read").CheckAsync();
        var created = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Create API client" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(201, created.Status);
        Assert.Contains("no-store", await created.HeaderValueAsync("cache-control"), StringComparison.Ordinal);
        var key = await Page.GetByLabel("API key of web-billing").InputValueAsync();
        Assert.StartsWith("apv_", key, StringComparison.Ordinal);
        Assert.DoesNotContain(key, Page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Value.Contains(key, StringComparison.Ordinal));
        await AssertAccessibleAsync();

        // The key works against the API, with the scopes chosen.
        using (var service = Factory.ClientWithKey(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await service.GetAsync("/api/v1/approvals")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await service.GetAsync("/api/v1/api-clients")).StatusCode);
        }

        // Opened again, the page lists the client by its key's first characters, never the key.
        await Page.GotoAsync("/admin/clients");
        var row = Page.GetByTestId("client-web-billing");
        await Assertions.Expect(row).ToContainTextAsync(key[..12]);
        Assert.DoesNotContain(key, await Page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(Page.GetByTestId("new-key")).ToHaveCountAsync(0);

        await row.GetByRole(AriaRole.Link, new() { Name = "Revoke… web-billing" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Revoke “web-billing”?" })).ToBeVisibleAsync();
        await AssertAccessibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Revoke the key of web-billing" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The key of “web-billing” is revoked: it no longer works.");
        await Assertions.Expect(Page.GetByTestId("client-web-billing").GetByRole(AriaRole.Link)).ToHaveCountAsync(0);
        using (var service = Factory.ClientWithKey(key))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await service.GetAsync("/api/v1/approvals")).StatusCode);
        }
    }

    [Fact]
    public async Task A_refused_API_client_shows_its_errors_next_to_the_fields_and_creates_nothing()
    {
        await SignInAsync("carol", "admin");
        await Page.GotoAsync("/admin/clients");

        await Page.GetByLabel("Name").FillAsync("no spaces allowed");
        var refused = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Create API client" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(400, refused.Status);
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Some fields need your attention.");
        await Assertions.Expect(Page.GetByLabel("Name")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(Page.Locator("#name-error")).ToContainTextAsync("letters, digits");
        await Assertions.Expect(Page.Locator("#scopes-error")).ToContainTextAsync("One or more of");
        await Assertions.Expect(Page.GetByLabel("Name")).ToHaveValueAsync("no spaces allowed");
        await Assertions.Expect(Page.GetByTestId("new-key")).ToHaveCountAsync(0);
        await AssertAccessibleAsync();

        // A name that was used before is refused next to the name.
        await Factory.CreateApiClientAsync("web-taken", "approvals:read");
        await Page.GetByLabel("Name").FillAsync("web-taken");
        await Page.GetByLabel("approvals:decide").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create API client" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That name is taken: API client names are never reused.");
        await Assertions.Expect(Page.Locator("#name-error")).ToContainTextAsync("exists or existed");
        await Assertions.Expect(Page.GetByLabel("approvals:decide")).ToBeCheckedAsync();

        using var admin = Factory.CreateAuthenticatedClient();
        var clients = (await admin.GetFromJsonAsync<JsonArray>("/api/v1/api-clients"))!;
        Assert.DoesNotContain(clients, c => (string?)c!["name"] == "no spaces allowed");
        Assert.Single(clients, c => (string?)c!["name"] == "web-taken");
    }

    [Fact]
    public async Task Carol_creates_a_group_with_members_and_edits_and_deletes_it()
    {
        await Factory.UserAsync("web-dana", "approver");
        await Factory.UserAsync("web-erik", "approver");
        await SignInAsync("carol", "admin");
        await Page.GotoAsync("/admin/groups");

        // An unknown member is refused next to the members, and nothing is created.
        await Page.GetByLabel("Name").FillAsync("web-reviewers");
        await Page.GetByLabel("Members").FillAsync("web-dana, nobody-here");
        var refused = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(422, refused.Status);
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Some of those people have no account here.");
        await Assertions.Expect(Page.GetByLabel("Members")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(Page.Locator("#members-error")).ToHaveTextAsync("No such user: nobody-here.");
        await AssertAccessibleAsync();
        using var admin = Factory.CreateAuthenticatedClient();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/groups/web-reviewers")).StatusCode);

        await Page.GetByLabel("Members").FillAsync("web-dana");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();

        await Page.WaitForURLAsync("**/admin/groups/web-reviewers");
        await Assertions.Expect(Page.GetByTestId("member-web-dana")).ToBeVisibleAsync();
        await AssertAccessibleAsync();

        await Page.GetByLabel("Username").FillAsync("web-erik");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await Assertions.Expect(Page.GetByTestId("member-web-erik")).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Remove web-dana" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("web-dana is no longer a member.");
        await Assertions.Expect(Page.GetByTestId("member-web-dana")).ToHaveCountAsync(0);

        var group = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/groups/web-reviewers"))!;
        Assert.Equal(["web-erik"], group["members"]!.AsArray().Select(m => (string)m!));

        // An unknown user is refused next to the field.
        await Page.GetByLabel("Username").FillAsync("nobody-here");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#username-error")).ToHaveTextAsync("No such user: nobody-here.");
        await AssertAccessibleAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Delete group web-reviewers" }).ClickAsync();
        await Page.WaitForURLAsync("**/admin/groups?deleted=web-reviewers");
        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The group “web-reviewers” was deleted.");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/groups/web-reviewers")).StatusCode);
        var gone = await Page.GotoAsync("/admin/groups/web-reviewers");
        Assert.Equal(404, gone!.Status);
    }

    [Fact]
    public async Task A_bad_group_name_is_shown_next_to_the_name()
    {
        await SignInAsync("carol", "admin");
        await Page.GotoAsync("/admin/groups");

        await Page.GetByLabel("Name").FillAsync("Bad Name");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Some fields need your attention.");
        await Assertions.Expect(Page.Locator("#name-error")).ToContainTextAsync("lowercase letters");
        await Assertions.Expect(Page.GetByLabel("Name")).ToHaveAttributeAsync("aria-describedby", "name-hint name-error");
    }

    [Fact]
    public async Task The_service_rules_page_shows_the_health_of_the_seeded_attempts()
    {
        var rule = await Factory.AddServiceRuleAsync($"web-health-{Guid.NewGuid():N}"[..20]);
        var quiet = await Factory.AddServiceRuleAsync($"web-quiet-{Guid.NewGuid():N}"[..20], enabled: false);
        await Factory.SeedAttemptsAsync(await Factory.CreateApprovalForAsync(rule), rule, DeliveryAttemptSeeds.KnownDay);
        await SignInAsync("carol", "admin");

        await Page.GotoAsync("/admin/services");

        var row = Page.GetByTestId($"service-rule-{rule}");
        await Assertions.Expect(row.GetByTestId("success-rate")).ToHaveTextAsync("80 %");
        await Assertions.Expect(row.GetByTestId("attempts")).ToHaveTextAsync("20 (4 failed)");
        await Assertions.Expect(row.GetByTestId("p95")).ToHaveTextAsync("190.5 ms");
        var chart = row.GetByRole(AriaRole.Img);
        await Assertions.Expect(chart).ToHaveAccessibleNameAsync(new System.Text.RegularExpressions.Regex("over the last 24 hours: 20 attempts, 4 failed; the busiest hour had 15 attempts"));
        Assert.Equal(0, await Page.Locator("[style]").CountAsync());
        await ScreenshotAsync("admin-services");

        var empty = Page.GetByTestId($"service-rule-{quiet}");
        await Assertions.Expect(empty.GetByTestId("success-rate")).ToHaveTextAsync("–");
        await Assertions.Expect(empty.GetByTestId("attempts")).ToHaveTextAsync("0");
        await Assertions.Expect(empty.GetByRole(AriaRole.Cell, new() { Name = "No", Exact = true })).ToBeVisibleAsync();

        await row.GetByText("Hour by hour").ClickAsync();
        await Assertions.Expect(row.GetByRole(AriaRole.Table).GetByRole(AriaRole.Row).Last).ToContainTextAsync("15");
        await AssertAccessibleAsync();
    }

    [Fact]
    public async Task A_redelivery_of_a_request_no_longer_in_error_is_refused_in_words()
    {
        var approval = await Factory.CreateApprovalForAsync(await Factory.AddServiceRuleAsync($"web-stale-{Guid.NewGuid():N}"[..20]), "Stale failure");
        var job = await Factory.SeedFailedDeliveryAsync(approval);
        await SignInAsync("carol", "admin");
        await Page.GotoAsync("/admin/deliveries");
        var row = Page.GetByTestId($"job-{job}");
        await Assertions.Expect(row).ToContainTextAsync("HTTP 400");
        await AssertAccessibleAsync();

        // Someone else redelivers it through the API meanwhile (no dispatcher runs here: it stays on its way).
        using var admin = Factory.CreateAuthenticatedClient();
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/v1/approvals/{approval}/deliveries/{job}/retry", null)).StatusCode);

        var refused = await Page.RunAndWaitForResponseAsync(
            () => row.GetByRole(AriaRole.Button, new() { Name = "Redeliver “Stale failure”" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(409, refused.Status);
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This request is no longer in error: someone redelivered it or decided it again a moment ago.");
        await Assertions.Expect(Page.GetByTestId($"job-{job}")).ToHaveCountAsync(0);
        await AssertAccessibleAsync();
        var stored = (await admin.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{approval}"))!;
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string?)stored["status"]);
    }

    [Theory]
    [InlineData("requester")]
    [InlineData("approver")]
    public async Task Someone_who_is_not_an_admin_gets_the_403_page_on_every_admin_page(string role)
    {
        await SignInAsync($"web-not-admin-{role}", role);

        foreach (var path in AdminPaths)
        {
            var response = await Page.GotoAsync(path);
            Assert.True(response!.Status == 403, $"{path}: {response.Status}");
            await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        }

        await AssertAccessibleAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_admin_form_post_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        await SignInAsync("carol", "admin");

        var form = Context.APIRequest.CreateFormData();
        form.Append("name", "web-forged");
        form.Append("scopes", "admin");
        var forged = await Context.APIRequest.PostAsync("/admin/clients?handler=Create", new APIRequestContextOptions { Form = form });
        var groupForm = Context.APIRequest.CreateFormData();
        groupForm.Append("name", "web-forged");
        var forgedGroup = await Context.APIRequest.PostAsync("/admin/groups", new APIRequestContextOptions { Form = groupForm });

        Assert.Equal(400, forged.Status);
        Assert.Equal(400, forgedGroup.Status);
        using var admin = Factory.CreateAuthenticatedClient();
        Assert.DoesNotContain((await admin.GetFromJsonAsync<JsonArray>("/api/v1/api-clients"))!, c => (string?)c!["name"] == "web-forged");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/groups/web-forged")).StatusCode);
    }

    [Fact]
    public async Task A_non_admin_post_with_a_valid_token_is_forbidden_and_changes_nothing()
    {
        await SignInAsync("web-approver-post", "approver");
        await Page.GotoAsync("/");
        var token = await Page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();

        var form = Context.APIRequest.CreateFormData();
        form.Append("name", "web-sneaky");
        form.Append("members", "");
        form.Append("__RequestVerificationToken", token);
        var refused = await Context.APIRequest.PostAsync("/admin/groups", new APIRequestContextOptions { Form = form });

        Assert.Equal(403, refused.Status);
        using var admin = Factory.CreateAuthenticatedClient();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/groups/web-sneaky")).StatusCode);
    }
}
