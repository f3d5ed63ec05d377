using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Domain;

namespace Approvals.Api.Tests.Policies;

/// <summary>The inbox: what waits for the caller's vote now, by deadline, with counts, paged; nothing else.</summary>
public class InboxTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    private async Task<string> CreateAsync(HttpClient creator, object approvers, double days, object? policy = null)
    {
        var response = await creator.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = $"in {days} days",
            description = "d",
            deadline = Factory.Clock.GetUtcNow().AddDays(days),
            serviceRules = new[] { await ServiceRuleAsync() },
            approvers,
            policy,
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return (string)(await ReadObjectAsync(response))["id"]!;
    }

    [Fact]
    public async Task The_inbox_holds_what_the_caller_may_vote_on_now_by_deadline_with_counts_and_pages()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var frank = await Factory.ClientForUserAsync("frank", Roles.Approver);
        var byUser = await CreateAsync(alice, new[] { new { user = "bob" } }, days: 3);
        var byRole = await CreateAsync(alice, new[] { new { role = "approver" } }, days: 1);
        var soon = await CreateAsync(alice, new object[] { new { user = "bob" }, new { user = "frank" } }, days: 2, policy: new { mode = "all" });
        var voted = await CreateAsync(alice, new object[] { new { user = "bob" }, new { user = "frank" } }, days: 4, policy: new { mode = "all" });
        await AssertStatusAsync(await bob.PostAsJsonAsync($"/api/v1/approvals/{voted}/votes", new { vote = "approve" }), HttpStatusCode.OK);
        var roleFilled = await CreateAsync(alice, new[] { new { role = "approver" } }, days: 5, policy: null);
        await CreateAsync(alice, new[] { new { user = "frank" } }, days: 1); // not bob's
        await CreateApprovalAsAsync(alice, "no approvers"); // decided by anyone: not an inbox item
        using var ivan = await Factory.ClientForUserAsync("ivan", Roles.Requester, Roles.Approver);
        var ivans = await CreateAsync(ivan, new[] { new { role = "approver" } }, days: 1.2); // ivan's own: in bob's inbox, never in ivan's
        await AssertStatusAsync(await frank.PostAsJsonAsync($"/api/v1/approvals/{roleFilled}/votes", new { vote = "approve" }), HttpStatusCode.Accepted);

        Factory.Clock.Advance(TimeSpan.FromDays(1.5)); // byRole and ivan's are overdue now; tokens signed before have expired
        using var bobLater = Factory.ClientWithToken(await Factory.TokenAsync("bob"));
        using var ivanLater = Factory.ClientWithToken(await Factory.TokenAsync("ivan"));
        var first = await bobLater.GetFromJsonAsync<JsonObject>("/api/v1/inbox?limit=2");
        Assert.Equal([byRole, ivans], first!["items"]!.AsArray().Select(i => (string)i!["id"]!));
        Assert.Equal(4, (int)first["awaitingMe"]!);
        Assert.Equal(2, (int)first["overdue"]!);
        var second = await bobLater.GetFromJsonAsync<JsonObject>($"/api/v1/inbox?limit=2&cursor={first["nextCursor"]}");
        Assert.Equal([soon, byUser], second!["items"]!.AsArray().Select(i => (string)i!["id"]!));
        Assert.Null(second["nextCursor"]);

        // ivan holds the approver role too, but his own request is not his to vote on.
        var ivansInbox = await ivanLater.GetFromJsonAsync<JsonObject>("/api/v1/inbox");
        Assert.Equal([byRole], ivansInbox!["items"]!.AsArray().Select(i => (string)i!["id"]!));
    }

    [Fact]
    public async Task Filters_narrow_the_page_and_the_matching_count_while_the_counts_stay_the_whole_inboxs()
    {
        // gina holds no approver role: only what names her (or her group) is hers, whatever the other tests create.
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("gina", Roles.Requester);
        var (travel, hardware) = (await ServiceRuleAsync(), await ServiceRuleAsync());
        var now = Factory.Clock.GetUtcNow();
        async Task<string> CreateForGinaAsync(string title, double days, params int[] rules)
        {
            var response = await alice.PostAsJsonAsync("/api/v1/approvals", new
            {
                title,
                description = "d",
                deadline = now.AddDays(days),
                serviceRules = rules,
                approvers = new[] { new { user = "gina" } },
            });
            await AssertStatusAsync(response, HttpStatusCode.Created);
            return (string)(await ReadObjectAsync(response))["id"]!;
        }

        var trainLate = await CreateForGinaAsync("Train to Berlin", 0.5, travel);
        var laptop = await CreateForGinaAsync("Laptop for Berlin office", 2, hardware);
        var flight = await CreateForGinaAsync("Flight to Lisbon", 3, travel, hardware);
        var percent = await CreateForGinaAsync("100% refund", 4, travel);
        Factory.Clock.Advance(TimeSpan.FromDays(1)); // the train is overdue now
        using var gina = Factory.ClientWithToken(await Factory.TokenAsync("gina"));

        async Task<(List<string> Ids, JsonObject Page)> ReadAsync(string query)
        {
            var page = (await gina.GetFromJsonAsync<JsonObject>("/api/v1/inbox?" + query))!;
            Assert.Equal(4, (int)page["awaitingMe"]!); // the whole inbox, whatever the filters
            Assert.Equal(1, (int)page["overdue"]!);
            return ([.. page["items"]!.AsArray().Select(i => (string)i!["id"]!)], page);
        }

        Assert.Equal([trainLate, laptop, flight, percent], (await ReadAsync("")).Ids);
        Assert.Equal([trainLate, flight, percent], (await ReadAsync($"serviceRule={travel}")).Ids);
        Assert.Equal([laptop, flight], (await ReadAsync($"serviceRule={hardware}")).Ids);
        Assert.Equal([trainLate, laptop], (await ReadAsync("q=bERLin")).Ids);
        Assert.Equal([laptop], (await ReadAsync($"q=berlin&serviceRule={hardware}")).Ids);
        Assert.Equal([percent], (await ReadAsync("q=%25")).Ids); // text, not a pattern: % matches only itself
        Assert.Equal([trainLate], (await ReadAsync("overdue=true")).Ids);
        Assert.Equal([laptop, flight, percent], (await ReadAsync("overdue=false")).Ids);
        Assert.Empty((await ReadAsync("q=nowhere")).Ids);
        Assert.Empty((await ReadAsync("serviceRule=2147483647")).Ids);

        // Paging keeps the filters: the cursor is a position, the filters are passed again.
        var (first, firstPage) = await ReadAsync($"serviceRule={travel}&limit=2");
        Assert.Equal([trainLate, flight], first);
        Assert.Equal(3, (int)firstPage["matching"]!);
        var (second, secondPage) = await ReadAsync($"serviceRule={travel}&limit=2&cursor={firstPage["nextCursor"]}");
        Assert.Equal([percent], second);
        Assert.Null(secondPage["nextCursor"]);
        Assert.Equal(4, (int)(await ReadAsync("")).Page["matching"]!);
    }

    [Fact]
    public async Task Bad_filters_are_refused_with_the_field_named_and_before_the_caller_is_asked_about()
    {
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        foreach (var (query, field) in new[]
        {
            ("serviceRule=abc", "serviceRule"), ("serviceRule=0", "serviceRule"), ("serviceRule=-1", "serviceRule"), ("serviceRule=1.5", "serviceRule"),
            ("overdue=maybe", "overdue"), ("overdue=2", "overdue"),
            ("q=" + new string('x', InboxFilter.MaxTextLength + 1), "q"), ("q=a%01b", "q"), ("q=%00", "q"),
        })
        {
            await AssertFieldErrorsAsync(await bob.GetAsync("/api/v1/inbox?" + query), field);
            await AssertFieldErrorsAsync(await Client.GetAsync("/api/v1/inbox?" + query), field); // a key learns nothing more
        }

        // Blank text filters nothing; the longest text is allowed.
        await AssertStatusAsync(await bob.GetAsync("/api/v1/inbox?q=%20%20"), HttpStatusCode.OK);
        await AssertStatusAsync(await bob.GetAsync("/api/v1/inbox?q=" + new string('x', InboxFilter.MaxTextLength)), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Service_keys_have_no_inbox_and_bad_paging_is_refused()
    {
        await AssertProblemAsync(await Client.GetAsync("/api/v1/inbox"), 403, ErrorCodes.Forbidden);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        await AssertFieldErrorsAsync(await bob.GetAsync("/api/v1/inbox?limit=0"), "limit");
        await AssertFieldErrorsAsync(await bob.GetAsync("/api/v1/inbox?cursor=nonsense"), "cursor");
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/inbox"), 401, ErrorCodes.Unauthenticated);
    }
}
