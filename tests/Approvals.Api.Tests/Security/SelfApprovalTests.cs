using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Security;

public class SelfApprovalTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public async Task Creator_cannot_approve_or_reject_their_own_approval_and_nothing_changes()
    {
        using var carol = await Factory.ClientForUserAsync("carol", Roles.Admin);
        var id = await CreateAsAsync(carol);

        foreach (var decision in new[] { "approve", "reject" })
        {
            var response = await carol.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision });
            await AssertProblemAsync(response, 403, ErrorCodes.SelfApprovalForbidden);
        }

        await using var db = Factory.CreateDbContext();
        Assert.Equal(ApprovalStatus.Pending, await db.Approvals.Where(a => a.Id == id).Select(a => a.Status).SingleAsync());
        Assert.False(await db.DeliveryJobs.AnyAsync(j => j.ApprovalId == id));
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == id));
    }

    [Fact]
    public async Task Creator_may_cancel_their_own_approval()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        var id = await CreateAsAsync(alice);

        var response = await alice.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "cancel" });

        await AssertStatusAsync(response, HttpStatusCode.Accepted);
        Assert.Equal("ACKNOWLEDGED_CANCELLED", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
    }

    [Fact]
    public async Task Someone_else_may_approve_what_the_creator_may_not()
    {
        using var dave = await Factory.ClientForUserAsync("dave", Roles.Requester, Roles.Approver);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        var id = await CreateAsAsync(dave);

        await AssertProblemAsync(await dave.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" }),
            403, ErrorCodes.SelfApprovalForbidden);
        var byBob = await bob.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" });

        await AssertStatusAsync(byBob, HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task The_original_put_route_cannot_self_approve_either()
    {
        using var carol = await Factory.ClientForUserAsync("carol", Roles.Admin);
        var id = await CreateAsAsync(carol);

        var response = await carol.PutAsJsonAsync("/request", new { id, status = 3 });

        await AssertProblemAsync(response, 403, ErrorCodes.SelfApprovalForbidden);
    }

    [Fact]
    public async Task Self_approval_is_allowed_only_when_every_service_rule_allows_it()
    {
        using var carol = await Factory.ClientForUserAsync("carol", Roles.Admin);
        var allowing = await RuleAsync(allowSelfApproval: true);
        var alsoAllowing = await RuleAsync(allowSelfApproval: true);
        var strict = await RuleAsync(allowSelfApproval: false);
        var allowedId = await CreateAsAsync(carol, allowing, alsoAllowing);
        var mixedId = await CreateAsAsync(carol, allowing, strict);

        var allowed = await carol.PostAsJsonAsync($"/api/v1/approvals/{allowedId}/decision", new { decision = "approve" });
        var mixed = await carol.PostAsJsonAsync($"/api/v1/approvals/{mixedId}/decision", new { decision = "reject" });

        await AssertStatusAsync(allowed, HttpStatusCode.Accepted);
        await AssertProblemAsync(mixed, 403, ErrorCodes.SelfApprovalForbidden);
    }

    /// <summary>The four-eyes rule is for people; a key holding approvals:decide is trusted to decide (see ApprovalAccessRules).</summary>
    [Fact]
    public async Task A_service_key_may_decide_on_approvals_it_created()
    {
        var id = await CreateAsAsync(Client);

        var response = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" });

        await AssertStatusAsync(response, HttpStatusCode.Accepted);
    }

    private async Task<Guid> CreateAsAsync(HttpClient client, params int[] rules) =>
        Guid.Parse((string)(await CreateApprovalAsAsync(client, "Own approval", rules))["id"]!);

    /// <summary>A service rule made through the admin API, the way an operator would allow self-approval.</summary>
    private async Task<int> RuleAsync(bool allowSelfApproval)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/service-rules", new
        {
            name = $"rule-{Guid.NewGuid():N}",
            url = "http://127.0.0.1:9/approval",
            apiKey = "downstream",
            allowSelfApproval,
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["serviceRule"]!["id"]!;
    }
}
