using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary>
/// API v1 refuses query parameters its routes do not take, naming each (a typo such as <c>?limt=1</c> would otherwise
/// be ignored silently); the original routes keep ignoring them, as the original did.
/// </summary>
public class QueryParameterTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Theory]
    [InlineData("/api/v1/approvals?limt=1", "limt")]
    [InlineData("/api/v1/approvals?status=PENDING&stauts=ERROR&limit=5", "stauts")]
    [InlineData("/api/v1/approvals?after=x&offset=2", "after", "offset")]
    [InlineData("/api/v1/events?cursor=x", "cursor")]
    [InlineData("/api/v1/inbox?sort=deadline", "sort")]
    [InlineData("/api/v1/state-machine?format=dot", "format")]
    [InlineData("/api/v1/service-rules?limit=5", "limit")]
    [InlineData("/api/v1/users?limit=5&page=2", "page")]
    public async Task A_v1_route_refuses_the_query_parameters_it_does_not_take_naming_each(string path, params string[] unknown)
    {
        var problem = await AssertProblemAsync(await Client.GetAsync(path), 400, ErrorCodes.UnknownQueryParameter);

        Assert.Equal(unknown.Order(StringComparer.Ordinal), problem["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.StartsWith("This route takes", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_detail_lists_what_the_route_takes()
    {
        var list = await AssertProblemAsync(await Client.GetAsync("/api/v1/approvals?limt=1"), 400, ErrorCodes.UnknownQueryParameter);
        Assert.Equal("This route takes only these query parameters: status, serviceRule, overdue, mine, sort, limit, cursor.", (string?)list["detail"]);

        var one = await AssertProblemAsync(await Client.GetAsync($"/api/v1/approvals/{Guid.Empty}?expand=all"), 400, ErrorCodes.UnknownQueryParameter);
        Assert.Equal("This route takes no query parameters.", (string?)one["detail"]);
    }

    [Fact]
    public async Task A_refused_write_changes_nothing()
    {
        var rule = await ServiceRuleAsync();
        var id = await CreateApprovalIdAsync("Query target", rule);
        var before = await SnapshotAsync();

        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/v1/approvals?dryRun=true", new { title = "t", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }),
            400, ErrorCodes.UnknownQueryParameter);
        await AssertProblemAsync(await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision?force=1", new { decision = "approve" }), 400, ErrorCodes.UnknownQueryParameter);
        await AssertProblemAsync(await Client.PatchAsync($"/api/v1/approvals/{id}?x=1", Json("""{"comment":"never"}""", MergePatch)), 400, ErrorCodes.UnknownQueryParameter);

        Assert.Null(before.Difference(await SnapshotAsync()));
    }

    [Fact]
    public async Task Known_parameters_are_taken_in_any_case_as_before_and_an_empty_query_is_no_parameter()
    {
        var rule = await ServiceRuleAsync();
        var id = await CreateApprovalIdAsync("Case target", rule);

        var page = await Client.GetFromJsonAsync<JsonObject>($"/api/v1/approvals?ServiceRule={rule}&LIMIT=1");
        Assert.Equal([id], page!["items"]!.AsArray().Select(i => (string?)i!["id"]));
        await AssertStatusAsync(await Client.GetAsync($"/api/v1/approvals/{id}?"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Credentials_are_checked_first()
    {
        await AssertProblemAsync(await Anonymous.GetAsync("/api/v1/approvals?limt=1"), 401, ErrorCodes.Unauthenticated);
    }

    [Theory]
    [InlineData("/requests?limt=1")]
    [InlineData("/status?verbose=1")]
    [InlineData("/healthz?probe=1")]
    public async Task The_original_routes_and_the_probes_ignore_unknown_parameters_as_before(string path)
    {
        await AssertStatusAsync(await Client.GetAsync(path), HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_original_get_ignores_them_too()
    {
        var id = await CreateApprovalIdAsync("Legacy target");

        var response = await Client.GetAsync($"/request?id={id}&verbose=true");

        await AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal(id, (string?)(await ReadObjectAsync(response))["approval_items"]!["id"]);
    }
}
