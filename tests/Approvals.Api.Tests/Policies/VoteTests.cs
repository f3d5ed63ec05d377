using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Policies;

/// <summary>
/// Named approvers and policies through the API with real tokens: votes count once per person and seat, the policy
/// decides (approve when met, reject once it can no longer be met), stages go in order, and refusals change nothing.
/// </summary>
public class VoteTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    private async Task<string> CreateWithAsync(HttpClient creator, object policyFields)
    {
        var body = new JsonObject
        {
            ["title"] = "Budget increase",
            ["description"] = "Two more engineers.",
            ["deadline"] = FutureDeadline,
            ["serviceRules"] = new JsonArray(await ServiceRuleAsync()),
        };
        foreach (var (key, value) in JsonSerializerToObject(policyFields))
        {
            body[key] = value?.DeepClone();
        }

        var response = await creator.PostAsJsonAsync("/api/v1/approvals", body);
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return (string)(await ReadObjectAsync(response))["id"]!;
    }

    private static JsonObject JsonSerializerToObject(object value) => System.Text.Json.JsonSerializer.SerializeToNode(value)!.AsObject();

    private static Task<HttpResponseMessage> VoteAsync(HttpClient voter, string id, string vote, string? comment = null) =>
        voter.PostAsJsonAsync($"/api/v1/approvals/{id}/votes", new { vote, comment });

    [Fact]
    public async Task All_of_three_named_approvers_must_approve_and_the_last_vote_decides()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var erin = await Factory.ClientForUserAsync("erin", Roles.Requester);
        using var frank = await Factory.ClientForUserAsync("frank", Roles.Approver);
        var id = await CreateWithAsync(alice, new { approvers = new object[] { new { user = "bob" }, new { user = "erin" }, new { user = "frank" } }, policy = new { mode = "all" } });

        var first = await VoteAsync(bob, id, "approve", "fine by me");
        await AssertStatusAsync(first, HttpStatusCode.OK);
        Assert.Equal("PENDING", (string)(await ReadObjectAsync(first))["status"]!);
        await AssertStatusAsync(await VoteAsync(erin, id, "approve"), HttpStatusCode.OK); // a requester, named: may vote
        var last = await VoteAsync(frank, id, "approve");

        await AssertStatusAsync(last, HttpStatusCode.Accepted);
        var approval = await ReadObjectAsync(last);
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string)approval["status"]!);
        var stage = approval["stages"]![0]!;
        Assert.Equal("closed", (string)stage["state"]!);
        Assert.Equal(["bob", "erin", "frank"], stage["votes"]!.AsArray().Select(v => (string)v!["voter"]!));
        Assert.Equal("fine by me", (string)stage["votes"]![0]!["comment"]!);

        var history = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history"))!;
        Assert.Equal(["approval.created", "approval.vote_cast", "approval.vote_cast", "approval.vote_cast", "approval.decided"],
            history.Select(h => (string)h!["type"]!));
        Assert.Equal("approve", (string)history[1]!["details"]!["vote"]!["vote"]!);
        await using var db = Factory.CreateDbContext();
        Assert.Single(await db.DeliveryJobs.Where(j => j.ApprovalId == Guid.Parse(id)).ToListAsync());
    }

    [Fact]
    public async Task A_vote_answers_with_the_approval_as_a_read_finds_it_afterwards()
    {
        // The vote's answer is built from what the vote wrote, not read back: it must be what is stored, every column.
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var frank = await Factory.ClientForUserAsync("frank", Roles.Approver);
        var id = await CreateWithAsync(alice, new
        {
            stages = new object[]
            {
                new { name = "team", approvers = new object[] { new { user = "bob" }, new { role = "approver" } }, policy = new { mode = "all" } },
                new { name = "finance", approvers = new object[] { new { user = "frank" } } },
            },
            onDeadline = "escalate",
            escalation = new { approvers = new[] { new { role = "admin" } }, extendBy = "PT2H", then = "cancel" },
        });

        foreach (var (voter, comment) in new[] { (bob, "first"), (frank, "second, for the role's seat") })
        {
            var voted = await VoteAsync(voter, id, "approve", comment);
            await AssertStatusAsync(voted, HttpStatusCode.OK);
            var answered = await ReadObjectAsync(voted);
            var read = await ReadObjectAsync(await bob.GetAsync($"/api/v1/approvals/{id}"));
            Assert.True(JsonNode.DeepEquals(read, answered), $"answered {answered.ToJsonString()}, read {read.ToJsonString()}");
        }

        var approval = await ReadObjectAsync(await bob.GetAsync($"/api/v1/approvals/{id}"));
        Assert.Equal(["approved", "open"], approval["stages"]!.AsArray().Select(s => (string)s!["state"]!));
        Assert.Equal(["user:bob", "role:approver"], approval["stages"]![0]!["votes"]!.AsArray().Select(v => (string)v!["seat"]!));
        Assert.Equal("PT2H", (string)approval["escalation"]!["extendBy"]!);
    }

    [Fact]
    public async Task A_reject_rejects_only_once_the_policy_can_no_longer_be_met()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var frank = await Factory.ClientForUserAsync("frank", Roles.Approver);
        using var gina = await Factory.ClientForUserAsync("gina", Roles.Approver);
        var id = await CreateWithAsync(alice, new
        {
            approvers = new object[] { new { user = "bob" }, new { user = "frank" }, new { user = "gina" } },
            policy = new { mode = "atLeast", count = 2 },
        });

        await AssertStatusAsync(await VoteAsync(bob, id, "reject"), HttpStatusCode.OK); // 2 of 2 remaining can still approve
        var deciding = await VoteAsync(frank, id, "reject"); // now at most 1 approval is possible

        await AssertStatusAsync(deciding, HttpStatusCode.Accepted);
        Assert.Equal("ACKNOWLEDGED_REJECTED", (string)(await ReadObjectAsync(deciding))["status"]!);
        await AssertProblemAsync(await VoteAsync(gina, id, "approve"), 409, ErrorCodes.AwaitingDelivery);
    }

    [Fact]
    public async Task Stages_open_in_order_and_only_the_open_stages_approvers_vote()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var carol = await Factory.ClientForUserAsync("carol", Roles.Admin);
        var id = await CreateWithAsync(alice, new
        {
            stages = new object[]
            {
                new { name = "manager", approvers = new object[] { new { user = "bob" } }, policy = new { mode = "any" } },
                new { name = "finance", approvers = new object[] { new { user = "carol" } }, policy = new { mode = "any" } },
            },
        });

        await AssertProblemAsync(await VoteAsync(carol, id, "approve"), 403, ErrorCodes.NotAnApprover);
        var first = await VoteAsync(bob, id, "approve");
        await AssertStatusAsync(first, HttpStatusCode.OK);
        var stages = (await ReadObjectAsync(first))["stages"]!.AsArray();
        Assert.Equal(["approved", "open"], stages.Select(s => (string)s!["state"]!));
        await AssertProblemAsync(await VoteAsync(bob, id, "approve"), 409, ErrorCodes.StageClosed);

        // carol's decision counts as her vote in the finance stage.
        var decided = await carol.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve", comment = "budget ok" });
        await AssertStatusAsync(decided, HttpStatusCode.Accepted);
        var approval = await ReadObjectAsync(decided);
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string)approval["status"]!);
        Assert.Equal("budget ok", (string)approval["stages"]![1]!["votes"]![0]!["comment"]!);
    }

    [Fact]
    public async Task A_second_vote_a_stranger_the_creator_and_a_service_key_are_refused_and_change_nothing()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester, Roles.Approver);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var frank = await Factory.ClientForUserAsync("frank", Roles.Approver);
        using var mallory = await Factory.ClientForUserAsync("mallory", Roles.Requester);
        var id = await CreateWithAsync(alice, new { approvers = new object[] { new { user = "bob" }, new { user = "alice" }, new { user = "frank" } }, policy = new { mode = "all" } });
        await AssertStatusAsync(await VoteAsync(bob, id, "approve"), HttpStatusCode.OK);
        var before = await SnapshotAsync();

        await AssertProblemAsync(await VoteAsync(bob, id, "reject"), 409, ErrorCodes.AlreadyVoted);
        await AssertProblemAsync(await VoteAsync(alice, id, "approve"), 403, ErrorCodes.SelfApprovalForbidden);
        await AssertProblemAsync(await VoteAsync(mallory, id, "approve"), 404, ErrorCodes.ApprovalNotFound); // may not even see it
        await AssertProblemAsync(await VoteAsync(Client, id, "approve"), 403, ErrorCodes.NotAnApprover); // a service key
        await AssertProblemAsync(await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" }), 403, ErrorCodes.NotAnApprover);
        await AssertFieldErrorsAsync(await VoteAsync(frank, id, "maybe"), "vote");

        before.AssertUnchanged(await SnapshotAsync(), "refused requests change nothing");
        var cancelled = await alice.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "cancel" });
        await AssertStatusAsync(cancelled, HttpStatusCode.Accepted); // the requester withdraws at any stage
    }

    [Fact]
    public async Task Twenty_approvers_voting_at_once_are_each_counted_once_and_decide_once()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        var names = Enumerable.Range(1, 20).Select(i => $"voter{i:00}").ToList();
        var voters = new List<HttpClient>();
        foreach (var name in names)
        {
            voters.Add(await Factory.ClientForUserAsync(name, Roles.Approver));
        }

        var id = await CreateWithAsync(alice, new { approvers = names.Select(n => new { user = n }).ToArray(), policy = new { mode = "atLeast", count = 15 } });

        var responses = await Task.WhenAll(voters.Select(v => VoteAsync(v, id, "approve")));

        Assert.True(responses.All(r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.Conflict),
            string.Join(", ", await Task.WhenAll(responses.Select(async r => $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}"))));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.Equal(14, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var history = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history"))!;
        Assert.Equal(15, history.Count(h => (string)h!["type"]! == "approval.vote_cast"));
        Assert.Equal(1, history.Count(h => (string)h!["type"]! == "approval.decided"));
        foreach (var voter in voters)
        {
            voter.Dispose();
        }
    }

    [Fact]
    public async Task Unknown_users_malformed_policies_and_impossible_counts_are_refused_with_their_codes()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        await Factory.UserAsync("bob", Roles.Approver);
        var rule = await ServiceRuleAsync();
        var before = await SnapshotAsync();

        async Task<HttpResponseMessage> CreateAsync(object fields)
        {
            var body = JsonSerializerToObject(new { title = "t", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } });
            foreach (var (key, value) in JsonSerializerToObject(fields))
            {
                body[key] = value?.DeepClone();
            }

            return await alice.PostAsJsonAsync("/api/v1/approvals", body);
        }

        await AssertProblemAsync(await CreateAsync(new { approvers = new object[] { new { user = "nobody" } } }), 422, ErrorCodes.UnknownApprover);
        await AssertProblemAsync(await CreateAsync(new { approvers = new object[] { new { user = "bob" } }, policy = new { mode = "atLeast", count = 2 } }), 422, ErrorCodes.PolicyUnmeetable);
        await AssertFieldErrorsAsync(await CreateAsync(new { approvers = new object[] { new { user = "bob", role = "approver" } } }), "approvers");
        await AssertFieldErrorsAsync(await CreateAsync(new { approvers = new object[] { new { user = "bob" } }, policy = new { mode = "most" } }), "policy.mode");
        await AssertFieldErrorsAsync(await CreateAsync(new { approvers = new object[] { new { user = "bob" } }, stages = Array.Empty<object>() }), "stages");
        await AssertFieldErrorsAsync(await CreateAsync(new { approvers = Array.Empty<object>() }), "approvers");

        before.AssertUnchanged(await SnapshotAsync(), "refused requests change nothing");
    }

    [Fact]
    public async Task Approvers_can_change_until_the_first_vote_and_not_after()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        await Factory.UserAsync("frank", Roles.Approver);
        var id = await CreateWithAsync(alice, new { approvers = new object[] { new { user = "frank" } } });

        var unmeetable = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/approvals/{id}")
        {
            Content = new StringContent("""{"approvers": [{"user": "bob"}], "policy": {"mode": "atLeast", "count": 2}}""", System.Text.Encoding.UTF8, MergePatch),
        };
        await AssertProblemAsync(await alice.SendAsync(unmeetable), 422, ErrorCodes.PolicyUnmeetable);
        var stranger = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/approvals/{id}")
        {
            Content = new StringContent("""{"approvers": [{"user": "nobody-here"}]}""", System.Text.Encoding.UTF8, MergePatch),
        };
        await AssertProblemAsync(await alice.SendAsync(stranger), 422, ErrorCodes.UnknownApprover);

        var edit = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/approvals/{id}")
        {
            Content = new StringContent("""{"approvers": [{"user": "bob"}, {"user": "frank"}], "policy": {"mode": "all"}}""", System.Text.Encoding.UTF8, MergePatch),
        };
        var edited = await alice.SendAsync(edit);
        await AssertStatusAsync(edited, HttpStatusCode.OK);
        Assert.Equal(2, (await ReadObjectAsync(edited))["stages"]![0]!["approvers"]!.AsArray().Count);
        await AssertStatusAsync(await VoteAsync(bob, id, "approve"), HttpStatusCode.OK);

        var again = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/approvals/{id}")
        {
            Content = new StringContent("""{"approvers": [{"user": "frank"}]}""", System.Text.Encoding.UTF8, MergePatch),
        };
        await AssertProblemAsync(await alice.SendAsync(again), 409, ErrorCodes.VotesCast);
    }

    [Fact]
    public async Task A_group_votes_once_through_any_member_unless_its_members_count_each()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var gus = await Factory.ClientForUserAsync("gus", Roles.Requester);
        using var hal = await Factory.ClientForUserAsync("hal", Roles.Requester);
        await Factory.UserAsync("bob", Roles.Approver);
        await AssertStatusAsync(await Client.PostAsJsonAsync("/api/v1/groups", new { name = "treasury", members = new[] { "gus", "hal" } }), HttpStatusCode.Created);

        var asOne = await CreateWithAsync(alice, new { approvers = new object[] { new { group = "treasury" } } });
        var first = await VoteAsync(gus, asOne, "approve");
        await AssertStatusAsync(first, HttpStatusCode.Accepted); // the group's one seat: decided
        Assert.Equal("group:treasury", (string)(await ReadObjectAsync(first))["stages"]![0]!["votes"]![0]!["seat"]!);

        var eachMember = await CreateWithAsync(alice, new { approvers = new object[] { new { group = "treasury" } }, policy = new { mode = "all", members = true } });
        await AssertStatusAsync(await VoteAsync(gus, eachMember, "approve"), HttpStatusCode.OK); // hal still to vote
        var last = await VoteAsync(hal, eachMember, "approve");
        await AssertStatusAsync(last, HttpStatusCode.Accepted);
        Assert.Equal(["user:gus", "user:hal"], (await ReadObjectAsync(last))["stages"]![0]!["votes"]!.AsArray().Select(v => (string)v!["seat"]!));

        var oneSeatTaken = await CreateWithAsync(alice, new { approvers = new object[] { new { group = "treasury" }, new { user = "bob" } }, policy = new { mode = "all" } });
        await AssertStatusAsync(await VoteAsync(gus, oneSeatTaken, "approve"), HttpStatusCode.OK);
        await AssertProblemAsync(await VoteAsync(hal, oneSeatTaken, "approve"), 409, ErrorCodes.AlreadyVoted);
    }

    [Fact]
    public async Task A_delegate_votes_for_the_delegator_and_the_vote_records_both_but_never_on_their_own_request()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        using var dana = await Factory.ClientForUserAsync("dana", Roles.Requester, Roles.Approver);
        var delegation = await bob.PutAsJsonAsync("/api/v1/users/me/delegation", new { to = "dana", until = Factory.Clock.GetUtcNow().AddDays(3) });
        Assert.True(delegation.IsSuccessStatusCode, await delegation.Content.ReadAsStringAsync());

        var id = await CreateWithAsync(alice, new { approvers = new object[] { new { user = "bob" } } });
        var inbox = await dana.GetFromJsonAsync<JsonObject>("/api/v1/inbox");
        Assert.Contains(inbox!["items"]!.AsArray(), i => (string)i!["id"]! == id);
        var voted = await VoteAsync(dana, id, "approve");
        await AssertStatusAsync(voted, HttpStatusCode.Accepted);
        var vote = (await ReadObjectAsync(voted))["stages"]![0]!["votes"]![0]!;
        Assert.Equal("bob", (string)vote["voter"]!);
        Assert.Equal("dana", (string)vote["castBy"]!);

        // dana's own request names bob: not through bob's delegation.
        var own = await CreateWithAsync(dana, new { approvers = new object[] { new { user = "bob" } } });
        await AssertProblemAsync(await VoteAsync(dana, own, "approve"), 403, ErrorCodes.SelfApprovalForbidden);
    }
}
