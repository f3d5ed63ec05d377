using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary>
/// RFC 9110 conditional requests on approvals: <c>If-None-Match</c> turns a GET into 304 when the client holds the
/// current version (weak comparison, <c>*</c> and lists included); <c>If-Match</c> takes a list and compares strongly,
/// so a weak tag never matches; a header that is no list of this API's tags is a 400, and a refusal changes nothing.
/// </summary>
public class ConditionalRequestTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Theory]
    [InlineData("\"1\"")]
    [InlineData("W/\"1\"")]
    [InlineData("\"7\", \"1\"")]
    [InlineData("W/\"9\",W/\"1\"")]
    [InlineData("*")]
    public async Task If_none_match_holding_the_current_version_is_a_304_with_the_etag_and_no_body(string ifNoneMatch)
    {
        var id = await CreateApprovalIdAsync();

        var response = await GetAsync($"/api/v1/approvals/{id}", ("If-None-Match", ifNoneMatch));

        await AssertStatusAsync(response, HttpStatusCode.NotModified);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("\"2\"")]
    [InlineData("W/\"2\", \"3\"")]
    public async Task If_none_match_not_holding_the_current_version_gets_the_approval(string ifNoneMatch)
    {
        var id = await CreateApprovalIdAsync();

        var response = await GetAsync($"/api/v1/approvals/{id}", ("If-None-Match", ifNoneMatch));

        await AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(id, (string?)(await ReadObjectAsync(response))["id"]);
    }

    [Fact]
    public async Task A_change_makes_the_held_etag_stale_and_the_new_one_is_a_304_again()
    {
        var id = await CreateApprovalIdAsync();
        await AssertStatusAsync(await PatchAsync(id, """{"comment":"second"}"""), HttpStatusCode.OK);

        var changed = await GetAsync($"/api/v1/approvals/{id}", ("If-None-Match", "\"1\""));
        await AssertStatusAsync(changed, HttpStatusCode.OK);
        Assert.Equal("second", (string?)(await ReadObjectAsync(changed))["comment"]);
        Assert.Equal("\"2\"", changed.Headers.ETag?.Tag);

        await AssertStatusAsync(await GetAsync($"/api/v1/approvals/{id}", ("If-None-Match", "\"2\"")), HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task If_none_match_is_looked_at_only_once_the_approval_is_found_and_visible()
    {
        await AssertProblemAsync(await GetAsync($"/api/v1/approvals/{Guid.Empty}", ("If-None-Match", "*")), 404, ErrorCodes.ApprovalNotFound);

        // Someone who may not see the approval learns nothing, not even that it exists.
        using var alice = await Factory.ClientForUserAsync("alice-conditional", Roles.Requester);
        using var mallory = await Factory.ClientForUserAsync("mallory-conditional", Roles.Requester);
        var id = (string)(await CreateApprovalAsAsync(alice))["id"]!;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/approvals/{id}");
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        var hidden = await mallory.SendAsync(request);
        await AssertProblemAsync(hidden, 404, ErrorCodes.ApprovalNotFound);
        Assert.Null(hidden.Headers.ETag);
    }

    [Theory]
    [InlineData("\"9\", \"1\"")]
    [InlineData("W/\"1\", \"1\"")]
    [InlineData("*")]
    public async Task If_match_list_naming_the_current_version_strongly_allows_the_change(string ifMatch)
    {
        var id = await CreateApprovalIdAsync();

        var patched = await SendAsync(HttpMethod.Patch, $"/api/v1/approvals/{id}", Json("""{"comment":"listed"}""", MergePatch), ("If-Match", ifMatch));
        await AssertStatusAsync(patched, HttpStatusCode.OK);
        Assert.Equal("\"2\"", patched.Headers.ETag?.Tag);

        var decided = await SendAsync(HttpMethod.Post, $"/api/v1/approvals/{id}/decision", JsonContent.Create(new { decision = "approve" }),
            ("If-Match", ifMatch.Replace("1", "2", StringComparison.Ordinal)));
        await AssertStatusAsync(decided, HttpStatusCode.Accepted);
    }

    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("W/\"1\", W/\"2\"")]
    [InlineData("\"2\", \"3\"")]
    public async Task If_match_without_the_current_version_as_a_strong_tag_is_a_412_and_changes_nothing(string ifMatch)
    {
        var id = await CreateApprovalIdAsync();
        var before = await SnapshotAsync();

        await AssertProblemAsync(await SendAsync(HttpMethod.Patch, $"/api/v1/approvals/{id}", Json("""{"comment":"weak"}""", MergePatch), ("If-Match", ifMatch)),
            412, ErrorCodes.VersionMismatch);
        await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/api/v1/approvals/{id}/decision", JsonContent.Create(new { decision = "approve" }), ("If-Match", ifMatch)),
            412, ErrorCodes.VersionMismatch);

        Assert.Null(before.Difference(await SnapshotAsync()));
    }

    [Fact]
    public async Task A_vote_compares_if_match_strongly_too()
    {
        using var alice = await Factory.ClientForUserAsync("alice-votes", Roles.Requester);
        using var bob = await Factory.ClientForUserAsync("bob-votes", Roles.Approver);
        var response = await alice.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Conditional vote",
            description = "d",
            deadline = FutureDeadline,
            serviceRules = new[] { await ServiceRuleAsync() },
            approvers = new[] { new { user = "bob-votes" } },
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        var id = (string)(await ReadObjectAsync(response))["id"]!;

        await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/api/v1/approvals/{id}/votes", JsonContent.Create(new { vote = "approve" }), ("If-Match", "W/\"1\""), bob),
            412, ErrorCodes.VersionMismatch);
        await AssertStatusAsync(await SendAsync(HttpMethod.Post, $"/api/v1/approvals/{id}/votes", JsonContent.Create(new { vote = "approve" }), ("If-Match", "\"5\", \"1\""), bob),
            HttpStatusCode.Accepted);
    }

    [Theory]
    [InlineData("If-Match", "\"1\" \"2\"")]
    [InlineData("If-Match", "*, \"1\"")]
    [InlineData("If-Match", "W/1")]
    [InlineData("If-Match", "\"1\", abc")]
    [InlineData("If-None-Match", "abc")]
    [InlineData("If-None-Match", "\"abc\"")]
    [InlineData("If-None-Match", "W/\"-1\"")]
    [InlineData("If-None-Match", "\"01\"")]
    [InlineData("If-None-Match", "\"1\" junk")]
    [InlineData("If-None-Match", "*, \"1\"")]
    public async Task A_condition_that_is_no_list_of_this_apis_etags_is_a_400_naming_the_header(string header, string value)
    {
        var id = await CreateApprovalIdAsync();
        var before = await SnapshotAsync();

        var response = header == "If-Match"
            ? await SendAsync(HttpMethod.Patch, $"/api/v1/approvals/{id}", Json("""{"comment":"never"}""", MergePatch), (header, value))
            : await GetAsync($"/api/v1/approvals/{id}", (header, value));

        var problem = await AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Equal([header], problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Null(before.Difference(await SnapshotAsync()));
    }

    private Task<HttpResponseMessage> GetAsync(string path, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, null, headers);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, (string Name, string Value) header, HttpClient? client = null) =>
        SendAsync(method, path, content, [header], client);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, (string Name, string Value)[] headers, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await (client ?? Client).SendAsync(request);
    }
}
