using System.Net;
using Approvals.Api.Auth;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// The detail page's live delivery progress with the dispatcher on and a real UserService downstream: the page
/// follows the approval's events (Server-Sent Events) and shows each change without a reload; the stream itself
/// resumes from Last-Event-ID, skips what the page showed, and ends once the approval is final.
/// </summary>
public class ApprovalLiveTests(WebDeliveryAppFactory factory) : WebTestBase<WebDeliveryAppFactory>(factory)
{
    [Fact]
    public async Task Bob_approves_from_his_inbox_and_watches_the_delivery_reach_APPROVED_without_a_reload()
    {
        await Factory.UserService.ResetFaultsAsync();
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("bob", Roles.Approver);
        var rule = await Factory.AddUserServiceRuleAsync("user-service");
        var id = await WebApprovals.CreateAsync(Factory, alice, "New starter accounts", rule, new { approvers = new object[] { new { user = "bob" } } });

        await SignInAsync("bob", Roles.Approver);
        await Page.GetByRole(AriaRole.Link, new() { Name = "New starter accounts" }).ClickAsync();
        await Page.WaitForURLAsync($"**/approvals/{id}");
        await AssertAccessibleAsync();

        // The first attempt is refused (503); the retry waits for the test's clock, so the page sees the delivery under way.
        await Factory.UserService.SetFaultsAsync(failNextRequests: 1, failStatus: 503);
        await Page.GetByLabel("Comment (optional)").FillAsync("Accounts for the two new designers");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your vote to approve is recorded.");
        var status = Page.GetByTestId("approval-status");
        await Assertions.Expect(status).ToHaveTextAsync("Approved, being delivered");
        await Assertions.Expect(Page.Locator("[data-live=connected]")).ToHaveCountAsync(1);
        var shown = Page.Url;
        await Page.EvaluateAsync("() => { window.sameDocument = true; }");

        await RetryWhenDueAsync(id);

        await Assertions.Expect(status).ToHaveTextAsync("Approved", new() { Timeout = 30_000 });
        await Assertions.Expect(Page.GetByTestId("delivery-state")).ToHaveTextAsync("Delivered");
        await Assertions.Expect(Page.GetByTestId("delivery")).ToContainTextAsync("user-service");
        await Assertions.Expect(Page.Locator(".timeline")).ToContainTextAsync("delivered the decision to user-service");
        await Assertions.Expect(Page.Locator(".timeline")).ToContainTextAsync("Status: Approved, being delivered → Approved");
        await Assertions.Expect(Page.Locator("[data-live=ended]")).ToHaveCountAsync(1);
        Assert.True(await Page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");
        Assert.Equal(shown, Page.Url);
        await AssertAccessibleAsync();
        await ScreenshotAsync("approval-detail");
        Assert.Equal("APPROVED", (string)(await WebApprovals.GetAsync(alice, id))["status"]!);
    }

    [Fact]
    public async Task The_stream_skips_what_the_page_showed_resumes_from_Last_Event_ID_and_ends_when_the_approval_is_final()
    {
        await Factory.UserService.ResetFaultsAsync();
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bobApi = await Factory.ClientForUserAsync("bob", Roles.Approver);
        var id = await WebApprovals.CreateAsync(Factory, alice, "Streamed", await Factory.AddUserServiceRuleAsync("streamed"),
            new { approvers = new object[] { new { user = "bob" } } });
        using var bob = await SignedInClientAsync("bob");

        using (var stream = await OpenAsync(bob, $"/approvals/{id}/live?version=1"))
        {
            Assert.Equal(("ready", null), await stream.NextAsync());
            await WebApprovals.VoteAsync(bobApi, id, "approve");
            var seen = new List<string>();
            string? lastId = null;
            while (await stream.NextAsync() is ("change", var data) && data is not null)
            {
                seen.Add(data);
                lastId = stream.LastId ?? lastId;
            }

            Assert.Contains("\"type\":\"approval.vote_cast\"", seen[0], StringComparison.Ordinal);
            Assert.Contains(seen, d => d.Contains("\"status\":\"APPROVED\",\"final\":true", StringComparison.Ordinal));
            Assert.DoesNotContain(seen, d => d.Contains("approval.created", StringComparison.Ordinal));
            Assert.Equal("end", stream.LastEvent);

            // The browser would reconnect with the cursor it had: nothing after it, and final, so 204 stops it.
            using var resumed = new HttpRequestMessage(HttpMethod.Get, $"/approvals/{id}/live?version=1");
            Assert.NotNull(lastId);
            resumed.Headers.Add("Last-Event-ID", lastId);
            using var stopped = await bob.SendAsync(resumed, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.NoContent, stopped.StatusCode);
        }

        // A page that showed the first version gets everything after it, in order, then the end.
        using (var replay = await OpenAsync(bob, $"/approvals/{id}/live?version=1"))
        {
            Assert.Equal(("ready", null), await replay.NextAsync());
            var types = new List<string>();
            while (await replay.NextAsync() is ("change", { } data))
            {
                types.Add((string)System.Text.Json.Nodes.JsonNode.Parse(data)!["type"]!);
            }

            Assert.Equal(["approval.vote_cast", "approval.decided", "approval.delivery_succeeded", "approval.resolved"], types);
            Assert.Equal("end", replay.LastEvent);
        }

        // A page showing the final version has nothing to wait for.
        var final = (int)(await WebApprovals.GetAsync(alice, id))["version"]!;
        using var current = await bob.GetAsync($"/approvals/{id}/live?version={final}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.NoContent, current.StatusCode);
        using var malformed = await bob.GetAsync($"/approvals/{id}/live?version=x", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    /// <summary>Waits until the first attempt failed and its retry is scheduled, then moves the clock to it.</summary>
    private async Task RetryWhenDueAsync(Guid id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var db = Factory.CreateDbContext();
            var job = await db.DeliveryJobs.AsNoTracking().SingleOrDefaultAsync(j => j.ApprovalId == id);
            if (job is { State: DeliveryState.Pending, Attempts: 1 })
            {
                Factory.Clock.Advance(job.NextAttemptAt - Factory.Clock.GetUtcNow() + TimeSpan.FromSeconds(1));
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the first attempt did not fail in time: {job?.State} after {job?.Attempts}");
            await Task.Delay(50);
        }
    }

    private async Task<HttpClient> SignedInClientAsync(string username)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(Factory.BaseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };
        await WebForms.SignInAsync(client, username);
        return client;
    }

    private static async Task<EventStreamReader> OpenAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStreamReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>Reads Server-Sent Events one at a time: the event's name and data, and its id when it had one.</summary>
    private sealed class EventStreamReader(HttpResponseMessage response, Stream body) : IDisposable
    {
        private readonly StreamReader _reader = new(body);

        public string? LastId { get; private set; }

        public string? LastEvent { get; private set; }

        /// <summary>The next event, or (null, null) when the stream ended; fails after 30 seconds without one.</summary>
        public async Task<(string? Event, string? Data)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            (string? name, string? data) = (null, null);
            LastId = null;
            while (await _reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.Length == 0 && name is not null)
                {
                    LastEvent = name;
                    return (name, name == "ready" ? null : data);
                }

                var (field, value) = line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? (line[..colon], line[(colon + 1)..].TrimStart()) : (line, "");
                switch (field)
                {
                    case "event":
                        name = value;
                        break;
                    case "data":
                        data = value;
                        break;
                    case "id":
                        LastId = value;
                        break;
                }
            }

            return (null, null);
        }

        public void Dispose()
        {
            _reader.Dispose();
            response.Dispose();
        }
    }
}
