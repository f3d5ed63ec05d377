using System.Net.Http.Json;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Domain;

namespace Approvals.Api.Tests.Events;

/// <summary>
/// The feed shows a caller the events of the approvals it may read: a requester those of the approvals they created
/// (whoever acted on them), approvers, admins and read keys all of them. Without read rights 403, without
/// credentials 401.
/// </summary>
public class EventFeedAccessTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public async Task A_requester_sees_the_events_of_their_own_approvals_and_readers_of_all_see_every_event()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var erin = await Factory.ClientForUserAsync("erin", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var carol = await Factory.ClientForUserAsync("carol", Roles.Admin);
        using var readKey = Factory.ClientWithKey((await Factory.CreateApiClientAsync("feed-reader", Scopes.Read)).Key);
        var alices = new[] { await CreateAsAsync(alice), await CreateAsAsync(alice) };
        var erins = await CreateAsAsync(erin);

        // Bob's decision on Alice's approval is an event of Alice's approval: hers to see, though Bob acted.
        var decided = await bob.PostAsJsonAsync($"/api/v1/approvals/{alices[0]}/decision", new { decision = "reject" });
        await AssertStatusAsync(decided, System.Net.HttpStatusCode.Accepted);

        var aliceSees = await EventFeedClient.ReadAtLeastAsync(alice, 3);
        Assert.Equal(alices.Select(a => a.ToString()).Order(), aliceSees.Events.Select(e => (string)e["subject"]!).Distinct().Order());
        var bobActor = (await Factory.UserAsync("bob", Roles.Approver)).Actor;
        Assert.Contains(aliceSees.Events, e => (string?)e["type"] == "approval.decided" && (string?)e["actor"] == bobActor);
        Assert.Equal([erins.ToString()], (await EventFeedClient.ReadAtLeastAsync(erin, 1)).Events.Select(e => (string)e["subject"]!).Distinct());

        var everything = (await EventFeedClient.ReadAtLeastAsync(bob, 4)).Ids;
        Assert.Equal(aliceSees.Events.Count + 1, everything.Count);
        Assert.Equal(everything, (await EventFeedClient.ReadAtLeastAsync(carol, 4)).Ids);
        Assert.Equal(everything, (await EventFeedClient.ReadAtLeastAsync(readKey, 4)).Ids);
        Assert.Equal(everything, (await EventFeedClient.ReadAtLeastAsync(Client, 4)).Ids);

        // Filtering by someone else's approval finds nothing rather than an error that would confirm it exists.
        Assert.Empty((await EventFeedClient.ReadAsync(alice, filters: $"approvalId={erins}")).Events);
        Assert.Single((await EventFeedClient.ReadAtLeastAsync(erin, 1, filters: $"approvalId={erins}")).Events);
    }

    [Fact]
    public async Task Callers_without_read_rights_get_403_and_callers_without_credentials_401()
    {
        using var writeKey = Factory.ClientWithKey((await Factory.CreateApiClientAsync("feed-writer", Scopes.Write)).Key);
        using var decideKey = Factory.ClientWithKey((await Factory.CreateApiClientAsync("feed-decider", Scopes.Decide)).Key);

        await AssertProblemAsync(await writeKey.GetAsync("/api/v1/events"), 403, ErrorCodes.Forbidden);
        await AssertProblemAsync(await decideKey.GetAsync("/api/v1/events?wait=5"), 403, ErrorCodes.Forbidden);
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/events"), 401, ErrorCodes.Unauthenticated);
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/events?after=x&limit=0"), 401, ErrorCodes.Unauthenticated);
    }

    private async Task<Guid> CreateAsAsync(HttpClient client) =>
        Guid.Parse((string)(await CreateApprovalAsAsync(client, "Feed approval"))["id"]!);
}
