using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Security;

/// <summary>Requesters work with their own approvals; other people's are invisible to them, not merely forbidden.</summary>
public class ApprovalOwnershipTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public async Task A_requester_editing_someone_elses_approval_gets_404_and_changes_nothing()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var erin = await Factory.ClientForUserAsync("erin", Roles.Requester);
        var id = await CreateAsAsync(alice);

        var patch = await erin.PatchAsync($"/api/v1/approvals/{id}", Json("""{"title":"hijacked"}"""));
        var legacyPut = await erin.PutAsJsonAsync("/request", new { id, title = "hijacked" });
        var cancel = await erin.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "cancel" });

        await AssertProblemAsync(patch, 404, ErrorCodes.ApprovalNotFound);
        await AssertProblemAsync(legacyPut, 404, ErrorCodes.ApprovalNotFound);
        await AssertProblemAsync(cancel, 404, ErrorCodes.ApprovalNotFound);
        await using var db = Factory.CreateDbContext();
        var stored = await db.Approvals.SingleAsync(a => a.Id == id);
        Assert.Equal(("Own approval", ApprovalStatus.Pending, 1), (stored.Title, stored.Status, stored.Version));
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == id));
    }

    [Fact]
    public async Task Someone_elses_approval_looks_exactly_like_one_that_does_not_exist()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var erin = await Factory.ClientForUserAsync("erin", Roles.Requester);
        var hidden = await CreateAsAsync(alice);
        var missing = Guid.NewGuid();

        foreach (var (method, url, body) in new (string, string, string?)[]
        {
            ("GET", "/api/v1/approvals/{0}", null),
            ("GET", "/api/v1/approvals/{0}/history", null),
            ("GET", "/request?id={0}", null),
            ("PATCH", "/api/v1/approvals/{0}", """{"comment":"x"}"""),
            ("POST", "/api/v1/approvals/{0}/decision", """{"decision":"cancel"}"""),
        })
        {
            var answers = new List<string>();
            foreach (var id in new[] { hidden, missing })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, url, id));
                request.Content = body is null ? null : Json(body);
                request.Headers.TryAddWithoutValidation("If-Match", "\"99\""); // a stale ETag must not reveal a version either
                var problem = await AssertProblemAsync(await erin.SendAsync(request), 404, ErrorCodes.ApprovalNotFound);
                problem.Remove("traceId");
                answers.Add(problem.ToJsonString().Replace(id.ToString(), "<id>", StringComparison.Ordinal));
            }

            Assert.True(answers[0] == answers[1], $"{method} {url}: {answers[0]} vs {answers[1]}");
        }
    }

    [Fact]
    public async Task A_requester_lists_only_their_own_approvals_on_both_apis()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var erin = await Factory.ClientForUserAsync("erin", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        var alices = await CreateAsAsync(alice);
        var erins = await CreateAsAsync(erin);

        var erinSees = await IdsAsync(erin, "/api/v1/approvals?limit=200", "items", "id");
        var erinSeesLegacy = await IdsAsync(erin, "/requests?default=1&limit=1000", "approval_items", "id");
        var bobSees = await IdsAsync(bob, "/api/v1/approvals?limit=200", "items", "id");

        Assert.Contains(erins, erinSees);
        Assert.DoesNotContain(alices, erinSees);
        Assert.Contains(erins, erinSeesLegacy);
        Assert.DoesNotContain(alices, erinSeesLegacy);
        Assert.Contains(alices, bobSees);
        Assert.Contains(erins, bobSees);
    }

    [Fact]
    public async Task A_requester_edits_their_own_approval_and_history_names_each_actor()
    {
        var alice = await Factory.UserAsync("alice", Roles.Requester);
        var bob = await Factory.UserAsync("bob", Roles.Approver);
        using var aliceClient = Factory.ClientWithToken(await Factory.TokenAsync("alice"));
        using var bobClient = Factory.ClientWithToken(await Factory.TokenAsync("bob"));
        var id = await CreateAsAsync(aliceClient);

        await AssertStatusAsync(await aliceClient.PatchAsync($"/api/v1/approvals/{id}", Json("""{"title":"Renamed by alice"}""")), HttpStatusCode.OK);
        await AssertStatusAsync(await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"comment":"noted by a service"}""")), HttpStatusCode.OK);
        await AssertStatusAsync(await bobClient.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve", comment = "fine" }), HttpStatusCode.Accepted);

        var history = (await aliceClient.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history"))!;
        Assert.Equal(
            [(alice.Actor, "created"), (alice.Actor, "edited"), ("client:test", "edited"), (bob.Actor, "decided")],
            history.Select(h => ((string)h!["actor"]!, (string)h["action"]!)));
        var approval = (await bobClient.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{id}"))!;
        Assert.Equal(alice.Actor, (string?)approval["createdBy"]);
    }

    [Fact]
    public async Task An_approver_decides_but_does_not_edit()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob", Roles.Approver);
        var id = await CreateAsAsync(alice);

        var edit = await bob.PatchAsync($"/api/v1/approvals/{id}", Json("""{"title":"changed by the approver"}"""));
        var legacyEditAndDecide = await bob.PutAsJsonAsync("/request", new { id, title = "changed by the approver", status = 3 });

        await AssertProblemAsync(edit, 403, ErrorCodes.Forbidden);
        await AssertProblemAsync(legacyEditAndDecide, 403, ErrorCodes.Forbidden);
    }

    [Fact]
    public async Task Mine_lists_only_what_the_caller_created_even_for_callers_who_read_everything()
    {
        using var alice = await Factory.ClientForUserAsync("alice", Roles.Requester);
        using var ivy = await Factory.ClientForUserAsync("ivy", Roles.Requester, Roles.Approver);
        var (_, key) = await Factory.CreateApiClientAsync("mine-writer", "approvals:read", "approvals:write");
        using var writer = Factory.ClientWithKey(key);
        var rule = await ServiceRuleAsync();
        async Task<Guid> CreateAsync(HttpClient client, string title)
        {
            Factory.Clock.Advance(TimeSpan.FromSeconds(1)); // one after the other, so that creation times order them
            return Guid.Parse((string)(await CreateApprovalAsAsync(client, title, rule))["id"]!);
        }

        var alices = await CreateAsync(alice, "Alice's");
        var ivysFirst = await CreateAsync(ivy, "Ivy's first");
        var ivysSecond = await CreateAsync(ivy, "Ivy's second");
        var writers = await CreateAsync(writer, "The writer's");

        // ivy reads everything as an approver; mine=true narrows it to hers, newest first with the sort.
        Assert.Equal([alices, ivysFirst, ivysSecond, writers], await IdsAsync(ivy, $"/api/v1/approvals?serviceRule={rule}&sort=createdAt", "items", "id"));
        Assert.Equal([ivysSecond, ivysFirst], await IdsAsync(ivy, $"/api/v1/approvals?serviceRule={rule}&mine=true&sort=-createdAt", "items", "id"));
        Assert.Equal([alices, ivysFirst, ivysSecond, writers], await IdsAsync(ivy, $"/api/v1/approvals?serviceRule={rule}&mine=false&sort=createdAt", "items", "id"));
        Assert.Equal([alices], await IdsAsync(alice, $"/api/v1/approvals?serviceRule={rule}&mine=true", "items", "id"));
        Assert.Equal([writers], await IdsAsync(writer, $"/api/v1/approvals?serviceRule={rule}&mine=1", "items", "id"));

        // Paging keeps the filter.
        var first = (await ivy.GetFromJsonAsync<JsonObject>($"/api/v1/approvals?serviceRule={rule}&mine=true&sort=-createdAt&limit=1"))!;
        var second = (await ivy.GetFromJsonAsync<JsonObject>($"/api/v1/approvals?serviceRule={rule}&mine=true&sort=-createdAt&limit=1&cursor={first["nextCursor"]}"))!;
        Assert.Equal((string)second["items"]![0]!["id"]!, ivysFirst.ToString());
        Assert.Null(second["nextCursor"]);

        foreach (var bad in new[] { "maybe", "2", "yes", "%00" })
        {
            await AssertFieldErrorsAsync(await ivy.GetAsync($"/api/v1/approvals?mine={bad}"), "mine");
        }
    }

    private async Task<Guid> CreateAsAsync(HttpClient client) =>
        Guid.Parse((string)(await CreateApprovalAsAsync(client, "Own approval"))["id"]!);

    private static async Task<List<Guid>> IdsAsync(HttpClient client, string url, string itemsProperty, string idProperty)
    {
        var page = (await client.GetFromJsonAsync<JsonObject>(url))!;
        return [.. page[itemsProperty]!.AsArray().Select(item => Guid.Parse((string)item![idProperty]!))];
    }
}
