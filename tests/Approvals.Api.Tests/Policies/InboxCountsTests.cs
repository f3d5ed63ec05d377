using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Api.Tests.Web;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Policies;

/// <summary>
/// How the inbox stays cheap and exact (<see cref="ApprovalInbox"/>, <see cref="InboxCountsCache"/>): a page is looked
/// for in a short walk of what is open and the whole inbox read when the walk cannot tell; counts are reused only
/// while nothing has changed. Each test has people of its own (requesters only, so approvals of other tests naming a
/// role are not theirs).
/// </summary>
public class InboxCountsTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    private async Task<string> CreateAsync(HttpClient creator, string approver, double days)
    {
        var response = await creator.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = $"for {approver} in {days} days",
            description = "d",
            deadline = Factory.Clock.GetUtcNow().AddDays(days),
            serviceRules = new[] { await ServiceRuleAsync() },
            approvers = new[] { new { user = approver } },
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return (string)(await ReadObjectAsync(response))["id"]!;
    }

    private static async Task<(List<string> Ids, int Awaiting, int Overdue, string? Next)> InboxAsync(HttpClient client, string query = "")
    {
        var page = (await client.GetFromJsonAsync<JsonObject>("/api/v1/inbox?" + query))!;
        return ([.. page["items"]!.AsArray().Select(i => (string)i!["id"]!)], (int)page["awaitingMe"]!, (int)page["overdue"]!, (string?)page["nextCursor"]);
    }

    [Fact]
    public async Task Pages_are_the_same_whether_a_walk_finds_them_or_the_whole_inbox_is_read()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("hank", Roles.Requester);
        await Factory.UserAsync("iris", Roles.Requester);

        // hank's first and last two in deadline order, with 20 of iris's between: a walk of limit 1 looks at 16
        // approvals, so after the first page it finds none of hank's and must read the whole inbox instead.
        var first = await CreateAsync(alice, "hank", 1);
        for (var i = 0; i < 20; i++)
        {
            await CreateAsync(alice, "iris", 2 + (i / 100.0));
        }

        var (second, third) = (await CreateAsync(alice, "hank", 5), await CreateAsync(alice, "hank", 6));
        using var hank = Factory.ClientWithToken(await Factory.TokenAsync("hank"));

        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var (ids, awaiting, overdue, next) = await InboxAsync(hank, "limit=1" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Equal((3, 0), (awaiting, overdue));
            pages.Add(ids);
            cursor = next;
        }
        while (cursor is not null && pages.Count < 10);

        Assert.Equal([[first], [second], [third]], pages);
        Assert.Equal([first, second, third], (await InboxAsync(hank)).Ids);
    }

    [Fact]
    public async Task Counts_change_at_once_when_an_approval_is_created_or_voted_on_or_passes_its_deadline()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("jack", Roles.Requester);
        using var jack = Factory.ClientWithToken(await Factory.TokenAsync("jack"));
        var later = await CreateAsync(alice, "jack", 3);
        Assert.Equal((Ids(later), 1, 0), Counted(await InboxAsync(jack)));

        var sooner = await CreateAsync(alice, "jack", 0.5);
        Assert.Equal((Ids(sooner, later), 2, 0), Counted(await InboxAsync(jack)));

        Factory.Clock.Advance(TimeSpan.FromDays(1)); // sooner's deadline passes; no event says so
        using var jackLater = Factory.ClientWithToken(await Factory.TokenAsync("jack")); // tokens signed before have expired
        using var aliceLater = Factory.ClientWithToken(await Factory.TokenAsync("alice"));
        Assert.Equal((Ids(sooner, later), 2, 1), Counted(await InboxAsync(jackLater)));

        await AssertStatusAsync(await jackLater.PostAsJsonAsync($"/api/v1/approvals/{sooner}/votes", new { vote = "approve" }), HttpStatusCode.Accepted);
        Assert.Equal((Ids(later), 1, 0), Counted(await InboxAsync(jackLater)));

        // The web page's header counts the same way.
        using var web = await WebClientAsync("jack");
        Assert.Contains(">1<span class=\"visually-hidden\"> waiting</span>", await web.GetStringAsync("/mine"), StringComparison.Ordinal);
        await CreateAsync(aliceLater, "jack", 2);
        Assert.Contains(">2<span class=\"visually-hidden\"> waiting</span>", await web.GetStringAsync("/mine"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_are_reused_until_something_changes_and_what_changes_without_an_event_is_seen_within_the_max_age()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("kate", Roles.Requester);
        await Factory.UserAsync("liam", Roles.Requester);
        using var kate = Factory.ClientWithToken(await Factory.TokenAsync("kate"));
        var hers = await CreateAsync(alice, "kate", 10);
        var his = await CreateAsync(alice, "liam", 11);

        // The listener's (re)connect wakes the signal too (notifications may have been missed): let it connect first.
        var listening = Stopwatch.StartNew();
        while (!Factory.Logs.Entries.Any(e => e.Contains("Listening for approval event notifications", StringComparison.Ordinal)))
        {
            Assert.True(listening.Elapsed < TimeSpan.FromSeconds(30), "The event listener did not connect.");
            await Task.Delay(20);
        }

        Assert.Equal((Ids(hers), 1, 0), Counted(await InboxAsync(kate)));

        // Written around the service (no event): the page, read afresh, has it; the counts are the ones kept.
        await using (var db = Factory.CreateDbContext())
        {
            await db.Database.ExecuteSqlAsync($"UPDATE approvals SET open_seats = array_append(open_seats, 'user:kate') WHERE id = {Guid.Parse(his)}");
        }

        Assert.Equal((Ids(hers, his), 1, 0), Counted(await InboxAsync(kate)));

        Factory.Clock.Advance(new InboxOptions().CountsMaxAge);
        using var kateLater = Factory.ClientWithToken(await Factory.TokenAsync("kate"));
        Assert.Equal((Ids(hers, his), 2, 0), Counted(await InboxAsync(kateLater)));
    }

    /// <summary>The page's ids (joined, so tuples compare by value) and its counts.</summary>
    private static (string Ids, int Awaiting, int Overdue) Counted((List<string> Ids, int Awaiting, int Overdue, string? Next) page) =>
        (string.Join(' ', page.Ids), page.Awaiting, page.Overdue);

    private static string Ids(params string[] ids) => string.Join(' ', ids);

    /// <summary>A browser-like client signed in through the web form as <paramref name="username"/>.</summary>
    private async Task<HttpClient> WebClientAsync(string username)
    {
        // Over https, as the session cookie is Secure outside development.
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });
        await WebForms.SignInAsync(client, username);
        return client;
    }
}
