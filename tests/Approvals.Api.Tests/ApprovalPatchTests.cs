using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary><c>PATCH /api/v1/approvals/{id}</c>: JSON merge patch of the editable fields, validated exactly like a create.</summary>
public class ApprovalPatchTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    /// <summary>Invalid values of editable fields; the description is the same for create and edit.</summary>
    public static TheoryData<string, string> InvalidEdits => new()
    {
        { "title", "\"\"" },
        { "title", "\"   \"" },
        { "title", $"\"{new string('t', 201)}\"" },
        { "title", "\"tab\\tin title\"" },
        { "description", "\"\"" },
        { "description", $"\"{new string('d', 10_001)}\"" },
        { "comment", $"\"{new string('c', 10_001)}\"" },
        { "comment", "\"bell\\u0007\"" },
        { "deadline", "\"2001-01-01T00:00:00Z\"" },
        { "deadline", "\"next week\"" },
        { "serviceRules", "[]" },
        { "serviceRules", "[424242]" },
        { "serviceRules", "[0]" },
        { "title", "42" },
        { "serviceRules", "\"1\"" },
        { "onDeadline", "\"later\"" },
        { "onDeadline", "\"REJECT\"" },
        { "onDeadline", "5" },
        { "remindBefore", "[\"PT0S\"]" },
        { "remindBefore", "[\"soon\"]" },
        { "remindBefore", "[\"PT1H\", \"PT60M\"]" },
        { "remindBefore", "[\"PT1H\", \"PT2H\", \"PT3H\", \"PT4H\", \"PT5H\", \"PT6H\"]" },
        { "remindBefore", "[\"P1M\"]" },
        { "remindBefore", "\"PT1H\"" },
        { "remindBefore", "[1]" },
    };

    [Theory]
    [MemberData(nameof(InvalidEdits))]
    public async Task Edit_validation_equals_create_validation(string field, string json)
    {
        var rule = await ServiceRuleAsync();
        var id = await CreateApprovalIdAsync("Validated", rule);
        var create = JsonNode.Parse(Serialize(new { title = "t", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }))!.AsObject();
        create[field] = JsonNode.Parse(json);
        var before = await SnapshotAsync();

        var created = await Client.PostAsync("/api/v1/approvals", Json(create.ToJsonString()));
        var edited = await PatchAsync(id, $$"""{"{{field}}": {{json}}}""");

        Assert.True((int)created.StatusCode is 400 or 422, $"Create answered {(int)created.StatusCode}");
        var (createProblem, editProblem) = (await ReadObjectAsync(created), await ReadObjectAsync(edited));
        Assert.Equal((int)created.StatusCode, (int)edited.StatusCode);
        Assert.Equal((string?)createProblem["code"], (string?)editProblem["code"]);
        Assert.Equal(createProblem["errors"]?.AsObject().Select(e => e.Key), editProblem["errors"]?.AsObject().Select(e => e.Key));
        before.AssertUnchanged(await SnapshotAsync(), "a refused create and edit");
    }

    [Fact]
    public async Task Disabled_service_rule_is_refused_as_unknown()
    {
        var disabled = await ServiceRuleAsync(enabled: false);
        var id = await CreateApprovalIdAsync("Disabled rule");

        await AssertProblemAsync(await PatchAsync(id, $$"""{"serviceRules": [{{disabled}}]}"""), 422, ErrorCodes.ServiceRuleUnknown);
    }

    [Fact]
    public async Task Unknown_and_read_only_fields_are_each_named()
    {
        var id = await CreateApprovalIdAsync("Unknown fields");

        var response = await PatchAsync(id, """{"titel": "x", "status": "APPROVED", "version": 9, "comment": "fine"}""");

        await AssertFieldErrorsAsync(response, "titel", "status", "version");
    }

    [Theory]
    [InlineData("title")]
    [InlineData("description")]
    [InlineData("deadline")]
    [InlineData("serviceRules")]
    public async Task Null_for_a_required_field_is_a_400(string field)
    {
        var id = await CreateApprovalIdAsync("Nulls");

        await AssertFieldErrorsAsync(await PatchAsync(id, $$"""{"{{field}}": null}"""), field);
    }

    [Fact]
    public async Task Null_comment_clears_it_and_absent_fields_stay()
    {
        var created = await CreateApprovalAsync("Clear my comment");
        var id = (string)created["id"]!;

        var response = await PatchAsync(id, """{"comment": null}""");

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var body = await ReadObjectAsync(response);
        Assert.Equal("", (string?)body["comment"]);
        Assert.Equal("Clear my comment", (string?)body["title"]);
        Assert.Equal((string?)created["description"], (string?)body["description"]);
        Assert.Equal(created["deadline"]!.GetValue<DateTimeOffset>(), body["deadline"]!.GetValue<DateTimeOffset>());
        Assert.Equal(2, (int)body["version"]!);
    }

    [Fact]
    public async Task Every_editable_field_changes_in_one_patch_and_plain_json_is_accepted_too()
    {
        var (first, second) = (await ServiceRuleAsync(), await ServiceRuleAsync());
        var id = await CreateApprovalIdAsync("Everything", first);
        var deadline = FutureDeadline.AddDays(3);

        var response = await Client.PatchAsync($"/api/v1/approvals/{id}", JsonContent.Create(new
        {
            title = "New title", description = "New description", comment = "New comment", deadline, serviceRules = new[] { second, first },
        }));

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var body = await ReadObjectAsync(response);
        Assert.Equal(["New title", "New description", "New comment"], new[] { "title", "description", "comment" }.Select(f => (string?)body[f]));
        Assert.Equal(deadline.ToUnixTimeMilliseconds(), body["deadline"]!.GetValue<DateTimeOffset>().ToUnixTimeMilliseconds());
        Assert.Equal([second, first], body["serviceRules"]!.AsArray().Select(r => (int)r!));
        var history = await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history");
        var changes = history![^1]!["changes"]!.AsObject();
        Assert.Equal(["comment", "deadline", "description", "serviceRules", "title"], changes.Select(c => c.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Empty_or_unchanged_patch_writes_nothing()
    {
        var id = await CreateApprovalIdAsync("Untouched");
        var before = await SnapshotAsync();

        await AssertStatusAsync(await PatchAsync(id, "{}"), HttpStatusCode.OK);
        await AssertStatusAsync(await PatchAsync(id, """{"title": "Untouched", "comment": "first"}"""), HttpStatusCode.OK);

        before.AssertUnchanged(await SnapshotAsync(), "a patch that changes nothing");
    }

    [Theory]
    [InlineData(ApprovalStatus.Pending)]
    [InlineData(ApprovalStatus.Error)]
    public async Task Edits_of_open_approvals_keep_the_status_and_never_queue_deliveries(ApprovalStatus status)
    {
        var (first, second) = (await ServiceRuleAsync(), await ServiceRuleAsync());
        var id = await CreateApprovalIdAsync("Open", first);
        await SetStatusAsync(id, status);

        foreach (var patch in new[] { """{"title":"t2"}""", """{"description":"d2"}""", """{"comment":"c2"}""",
                     $$"""{"serviceRules":[{{second}}]}""", $$"""{"deadline":"{{FutureDeadline.AddDays(1):O}}"}""" })
        {
            var response = await PatchAsync(id, patch);
            await AssertStatusAsync(response, HttpStatusCode.OK);
            Assert.Equal(status.ToWireName(), (string?)(await ReadObjectAsync(response))["status"]);
        }

        var (jobs, history) = await StoredTrailAsync(id);
        Assert.Empty(jobs);
        Assert.Equal(5, history.Count(h => h.Action == HistoryActions.Edited && h.FromStatus == status && h.ToStatus == status));
    }

    [Fact]
    public async Task Unknown_approval_is_a_404_and_a_bad_id_a_400()
    {
        await AssertProblemAsync(await PatchAsync(Guid.NewGuid().ToString(), """{"comment":"x"}"""), 404, ErrorCodes.ApprovalNotFound);
        await AssertFieldErrorsAsync(await PatchAsync("not-a-uuid", """{"comment":"x"}"""), "id");
    }
}
