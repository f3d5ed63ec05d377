using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Domain;

namespace Approvals.Api.Tests.Policies;

/// <summary>Bulk votes: each item on its own (one refused item changes nothing of the others), replayable by key, bounded.</summary>
public class BulkVoteTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    private async Task<string> CreateAsync(HttpClient creator, params string[] approvers)
    {
        var response = await creator.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "bulk",
            description = "d",
            deadline = FutureDeadline,
            serviceRules = new[] { await ServiceRuleAsync() },
            approvers = approvers.Select(a => new { user = a }).ToArray(),
            policy = new { mode = "all" },
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return (string)(await ReadObjectAsync(response))["id"]!;
    }

    [Fact]
    public async Task Each_item_gets_its_own_result_and_transaction_and_a_replay_by_key_changes_nothing()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        await Factory.UserAsync("frank", Roles.Approver);
        var stillOpen = await CreateAsync(alice, "bob", "frank");
        var decided = await CreateAsync(alice, "bob");
        var votedBefore = await CreateAsync(alice, "bob", "frank");
        var notMine = await CreateAsync(alice, "frank");
        await AssertStatusAsync(await bob.PostAsJsonAsync($"/api/v1/approvals/{votedBefore}/votes", new { vote = "approve" }), HttpStatusCode.OK);

        var body = new
        {
            items = new object[]
            {
                new { approvalId = stillOpen, vote = "approve", comment = "ok" },
                new { approvalId = decided, vote = "reject" },
                new { approvalId = votedBefore, vote = "approve" },
                new { approvalId = notMine, vote = "approve" },
                new { approvalId = "not-a-uuid", vote = "approve" },
                new { approvalId = stillOpen, vote = "perhaps" },
            },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/votes:bulk") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", "bulk-1");
        var response = await bob.SendAsync(request);

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        var results = JsonNode.Parse(text)!["results"]!.AsArray();
        Assert.Equal([200, 202, 409, 403, 400, 400], results.Select(r => (int)r!["status"]!));
        Assert.Equal([null, null, ErrorCodes.AlreadyVoted, ErrorCodes.NotAnApprover, ErrorCodes.ValidationFailed, ErrorCodes.ValidationFailed],
            results.Select(r => (string?)r!["code"]));
        Assert.Equal("ACKNOWLEDGED_REJECTED", (string)results[1]!["approval"]!["status"]!);
        Assert.Equal("ok", (string)results[0]!["approval"]!["stages"]![0]!["votes"]![0]!["comment"]!);

        var before = await SnapshotAsync();
        var replay = new HttpRequestMessage(HttpMethod.Post, "/api/v1/votes:bulk") { Content = JsonContent.Create(body) };
        replay.Headers.Add("Idempotency-Key", "bulk-1");
        var replayed = await bob.SendAsync(replay);
        await AssertStatusAsync(replayed, HttpStatusCode.OK);
        Assert.Equal(text, await replayed.Content.ReadAsStringAsync());
        before.AssertUnchanged(await SnapshotAsync(), "a replay changes nothing");
    }

    [Fact]
    public async Task An_empty_list_and_more_than_a_hundred_items_are_refused()
    {
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        await AssertFieldErrorsAsync(await bob.PostAsJsonAsync("/api/v1/votes:bulk", new { items = Array.Empty<object>() }), "items");
        var tooMany = Enumerable.Range(0, 101).Select(_ => new { approvalId = Guid.NewGuid(), vote = "approve" }).ToArray();
        await AssertFieldErrorsAsync(await bob.PostAsJsonAsync("/api/v1/votes:bulk", new { items = tooMany }), "items");
        await AssertProblemAsync(await bob.PostAsJsonAsync("/api/v1/votes:bulk", new { votes = tooMany }), 400, ErrorCodes.ValidationFailed);
    }
}
