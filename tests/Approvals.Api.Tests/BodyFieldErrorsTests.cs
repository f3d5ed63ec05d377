using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary>
/// A body with several wrongly typed or unknown fields gets one 400 naming every one of them (the deserializer stops
/// at the first, so the body is read again), and changes nothing.
/// </summary>
public class BodyFieldErrorsTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Every_wrongly_typed_and_unknown_field_of_a_create_is_named_at_once()
    {
        var before = await SnapshotAsync();

        var response = await Client.PostAsync("/api/v1/approvals", Json("""
            {"title": 5, "description": ["d"], "deadline": "next week", "serviceRules": "1", "comment": "fine", "titel": "typo", "onDeadline": true}
            """));

        var problem = await AssertProblemAsync(response, 400, ErrorCodes.ValidationFailed);
        Assert.Equal("One or more fields are invalid.", (string?)problem["detail"]);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["deadline", "description", "onDeadline", "serviceRules", "titel", "title"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["The value has the wrong type or format."], errors["title"]!.AsArray().Select(m => (string?)m));
        Assert.Equal(["Unknown field."], errors["titel"]!.AsArray().Select(m => (string?)m));
        Assert.Null(before.Difference(await SnapshotAsync()));
    }

    [Fact]
    public async Task A_field_inside_a_list_or_object_is_named_by_its_path()
    {
        var response = await Client.PostAsync("/api/v1/approvals", Json("""
            {"title": "t", "description": "d", "deadline": "2030-01-01T00:00:00Z", "serviceRules": [1, "2", 3],
             "approvers": [{"user": "bob"}, {"user": 7}], "policy": {"mode": "all", "quorum": 2}}
            """));

        await AssertFieldErrorsAsync(response, "serviceRules[1]", "approvers[1].user", "policy.quorum");
    }

    [Fact]
    public async Task Invalid_values_are_named_together_whichever_layer_finds_them()
    {
        var rule = await ServiceRuleAsync();
        var before = await SnapshotAsync();

        // onDeadline and remindBefore are read by the endpoint; title, comment and serviceRules are checked by the domain.
        var response = await Client.PostAsJsonAsync("/api/v1/approvals", new JsonObject
        {
            ["title"] = "", ["description"] = "d", ["deadline"] = FutureDeadline, ["comment"] = "bell\u0007", ["serviceRules"] = new JsonArray(rule, rule),
            ["onDeadline"] = "later", ["remindBefore"] = new JsonArray("PT1H", null),
        });

        await AssertFieldErrorsAsync(response, "title", "comment", "serviceRules", "onDeadline", "remindBefore[1]");
        Assert.Null(before.Difference(await SnapshotAsync()));
    }

    [Fact]
    public async Task One_bad_field_is_named_alone_as_before()
    {
        await AssertFieldErrorsAsync(await Client.PostAsync("/api/v1/approvals", Json("""{"title": 5, "description": "d"}""")), "title");
        var unknown = await AssertProblemAsync(await Client.PostAsync("/api/v1/approvals", Json("""{"title": "t", "titel": "t"}""")), 400, ErrorCodes.ValidationFailed);
        Assert.Equal("The request has a field this endpoint does not accept.", (string?)unknown["detail"]);
    }

    [Fact]
    public async Task Every_bad_field_is_named_on_other_bodies_too()
    {
        var id = await CreateApprovalIdAsync();
        var before = await SnapshotAsync();

        await AssertFieldErrorsAsync(await Client.PostAsync($"/api/v1/approvals/{id}/decision", Json("""{"decision": 1, "comment": false}""")), "decision", "comment");
        await AssertFieldErrorsAsync(await Client.PostAsync("/api/v1/service-rules", Json("""{"name": 1, "url": "https://example.com/hook", "apiKey": "k", "timeoutSeconds": "10", "enabled": "yes"}""")),
            "name", "timeoutSeconds", "enabled");
        await AssertFieldErrorsAsync(await Client.PostAsync("/api/v1/users", Json("""{"username": ["u"], "roles": "approver"}""")), "username", "roles");
        await AssertFieldErrorsAsync(await Client.PostAsync("/api/v1/votes:bulk", Json("""{"items": 5, "extra": 1}""")), "items", "extra");

        // The original routes ignore unknown fields, as the original did, and name every wrongly typed one.
        await AssertFieldErrorsAsync(await Client.PostAsync("/request", Json("""{"title": 5, "description": "d", "service_rule": "1", "deadline": 7, "whatever": 1}""")),
            "title", "service_rule", "deadline");
        await AssertFieldErrorsAsync(await Client.PutAsync("/request", Json($$"""{"id": "{{id}}", "status": "3", "comment": 4}""")), "status", "comment");

        Assert.Null(before.Difference(await SnapshotAsync()));
    }

    [Fact]
    public async Task The_same_body_well_typed_is_taken()
    {
        // The control: the body of the first test with each field fixed is created, so the errors were about the values.
        var rule = await ServiceRuleAsync();
        var response = await Client.PostAsJsonAsync("/api/v1/approvals", new JsonObject
        {
            ["title"] = "5", ["description"] = "d", ["deadline"] = FutureDeadline, ["serviceRules"] = new JsonArray(rule), ["comment"] = "fine", ["onDeadline"] = "reject",
        });

        await AssertStatusAsync(response, System.Net.HttpStatusCode.Created);
    }
}
