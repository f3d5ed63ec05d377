using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
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
    public async Task Service_keys_have_no_inbox_and_bad_paging_is_refused()
    {
        await AssertProblemAsync(await Client.GetAsync("/api/v1/inbox"), 403, ErrorCodes.Forbidden);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        await AssertFieldErrorsAsync(await bob.GetAsync("/api/v1/inbox?limit=0"), "limit");
        await AssertFieldErrorsAsync(await bob.GetAsync("/api/v1/inbox?cursor=nonsense"), "cursor");
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/inbox"), 401, ErrorCodes.Unauthenticated);
    }
}
