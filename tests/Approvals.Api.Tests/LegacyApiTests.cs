using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests;

/// <summary>The original service's routes, with its exact JSON shapes, on top of the same rules as API v1.</summary>
public class LegacyApiTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private static readonly string[] ApprovalKeys =
        ["comment", "created_at", "deadline", "description", "id", "service_rule", "status", "title", "updated_at"];

    [Fact]
    public async Task Create_answers_the_original_envelope_with_snake_case_fields_and_integer_status()
    {
        var rule = await ServiceRuleAsync();
        var deadline = FutureDeadline;

        var response = await Client.PostAsJsonAsync("/request", new { title = "Badge", description = "New badge", service_rule = rule, deadline, comment = "c" });

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var body = await ReadObjectAsync(response);
        Assert.Equal(["approval_item"], body.Select(p => p.Key));
        var item = body["approval_item"]!.AsObject();
        Assert.Equal(ApprovalKeys, item.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, (int)item["status"]!);
        Assert.Equal(rule, (int)item["service_rule"]!);
        Assert.Equal("Badge", (string?)item["title"]);
        Assert.Equal("c", (string?)item["comment"]);
        Assert.Equal(deadline.ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)item["deadline"]!, null).ToUnixTimeMilliseconds());
        Assert.True(Guid.TryParse((string?)item["id"], out _));

        // The same approval, seen through v1: one set of rules, one history.
        var v1 = await ReadObjectAsync(await Client.GetAsync($"/api/v1/approvals/{item["id"]}"));
        Assert.Equal("PENDING", (string?)v1["status"]);
        Assert.Equal("client:test", (string?)v1["createdBy"]);
    }

    [Fact]
    public async Task Get_answers_the_plural_key_around_one_object()
    {
        var id = await CreateLegacyAsync("Plural");

        var response = await Client.GetAsync($"/request?id={id}");

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var body = await ReadObjectAsync(response);
        Assert.Equal(["approval_items"], body.Select(p => p.Key));
        var item = body["approval_items"]!.AsObject();
        Assert.Equal(ApprovalKeys, item.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(id, (string?)item["id"]);
    }

    [Fact]
    public async Task List_shows_pending_by_deadline_by_default_everything_with_default_1_and_pages_by_limit_and_offset()
    {
        var late = await CreateLegacyAsync("Late", days: 30);
        var early = await CreateLegacyAsync("Early", days: 2);
        var decided = await CreateLegacyAsync("Decided", days: 10);
        var errored = await CreateLegacyAsync("Errored", days: 11);
        await AssertStatusAsync(await PutAsync(new { id = decided, status = 4 }), HttpStatusCode.OK);
        await SetStatusAsync(errored, ApprovalStatus.Error);

        // This class creates far fewer approvals than the default limit of 100, so the bare route shows them all.
        foreach (var query in new[] { "/requests", "/requests?default=0&limit=1000" })
        {
            var pending = await ListAsync(query);
            Assert.All(pending, item => Assert.Equal(2, (int)item["status"]!));
            Assert.Equal([early, late], Ids(pending).Where(id => id == early || id == late));
            Assert.DoesNotContain(decided, Ids(pending));
            Assert.DoesNotContain(errored, Ids(pending));
        }

        var all = await ListAsync("/requests?default=1&limit=1000");
        Assert.Equal([early, decided, errored, late], Ids(all).Where(id => id == early || id == late || id == decided || id == errored));
        Assert.Equal(7, (int)all.Single(i => (string?)i["id"] == decided)["status"]!);
        Assert.Equal(all.Select(i => i["deadline"]!.GetValue<DateTimeOffset>()).Order(), all.Select(i => i["deadline"]!.GetValue<DateTimeOffset>()));

        var pages = new List<string>();
        for (var offset = 0; offset < all.Count; offset += 2)
        {
            var page = await ListAsync($"/requests?default=1&limit=2&offset={offset}");
            Assert.True(page.Count <= 2);
            pages.AddRange(Ids(page));
        }

        Assert.Equal(Ids(all), pages);
        Assert.Empty(await ListAsync($"/requests?default=1&offset={all.Count}"));
    }

    [Theory]
    [InlineData(3, ApprovalStatus.AcknowledgedApproved)]
    [InlineData(4, ApprovalStatus.AcknowledgedRejected)]
    [InlineData(5, ApprovalStatus.AcknowledgedCancelled)]
    public async Task Put_with_a_final_status_decides_and_queues_the_delivery(int status, ApprovalStatus expected)
    {
        var id = await CreateLegacyAsync("Decide me");

        var response = await PutAsync(new { id, status, comment = "decided" });

        await AssertStatusAsync(response, HttpStatusCode.OK);
        var item = (await ReadObjectAsync(response))["approval_item"]!;
        Assert.Equal((int)expected, (int)item["status"]!);
        Assert.Equal("decided", (string?)item["comment"]);
        var (jobs, history) = await StoredTrailAsync(id);
        Assert.Equal((ApprovalStatus)status, Assert.Single(jobs).RequestedStatus);
        Assert.Equal([HistoryActions.Created, HistoryActions.Decided], history.Select(h => h.Action));
    }

    [Fact]
    public async Task Put_echoing_the_whole_object_is_an_edit_not_a_decision()
    {
        var id = await CreateLegacyAsync("Echo");
        var item = (await ReadObjectAsync(await Client.GetAsync($"/request?id={id}")))["approval_items"]!.AsObject();

        var unchanged = await Client.PutAsync("/request", Json(item.ToJsonString()));
        await AssertStatusAsync(unchanged, HttpStatusCode.OK);
        item["comment"] = "edited by an old client";
        var edited = await Client.PutAsync("/request", Json(item.ToJsonString()));

        await AssertStatusAsync(edited, HttpStatusCode.OK);
        var result = (await ReadObjectAsync(edited))["approval_item"]!;
        Assert.Equal(2, (int)result["status"]!);
        Assert.Equal("edited by an old client", (string?)result["comment"]);
        var (jobs, history) = await StoredTrailAsync(id);
        Assert.Empty(jobs);
        Assert.Equal([HistoryActions.Created, HistoryActions.Edited], history.Select(h => h.Action));
    }

    [Fact]
    public async Task Final_approval_takes_only_comments_even_when_the_whole_object_is_echoed()
    {
        var id = await CreateLegacyAsync("Final");
        await SetStatusAsync(id, ApprovalStatus.Approved);
        var item = (await ReadObjectAsync(await Client.GetAsync($"/request?id={id}")))["approval_items"]!.AsObject();
        Assert.Equal(3, (int)item["status"]!);

        await AssertProblemAsync(await PutAsync(new { id, title = "Renamed", comment = "too" }), 409, ErrorCodes.CommentOnly);
        await AssertProblemAsync(await PutAsync(new { id, status = 4 }), 409, ErrorCodes.CommentOnly);
        item["comment"] = "delivered, thanks";
        var echoed = await Client.PutAsync("/request", Json(item.ToJsonString()));

        await AssertStatusAsync(echoed, HttpStatusCode.OK);
        var result = (await ReadObjectAsync(echoed))["approval_item"]!;
        Assert.Equal("delivered, thanks", (string?)result["comment"]);
        Assert.Equal("Final", (string?)result["title"]);
        Assert.Equal(3, (int)result["status"]!);
    }

    [Fact]
    public async Task Error_approval_can_be_approved_again_through_put()
    {
        var id = await CreateLegacyAsync("Retry");
        await SetStatusAsync(id, ApprovalStatus.Error);

        var response = await PutAsync(new { id, status = 3 });

        await AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal(6, (int)(await ReadObjectAsync(response))["approval_item"]!["status"]!);
        await AssertProblemAsync(await PutAsync(new { id, status = 5 }), 409, ErrorCodes.AwaitingDelivery);
    }

    [Fact]
    public async Task Edits_through_put_get_the_create_validation()
    {
        var id = await CreateLegacyAsync("Validate");

        await AssertFieldErrorsAsync(await PutAsync(new { id, title = "" }), "title");
        await AssertFieldErrorsAsync(await PutAsync(new { id, title = new string('t', 201) }), "title");
        await AssertProblemAsync(await PutAsync(new { id, deadline = Factory.Clock.GetUtcNow().AddDays(-1) }), 422, ErrorCodes.DeadlineInPast);
        await AssertProblemAsync(await PutAsync(new { id, service_rule = 424242 }), 422, ErrorCodes.ServiceRuleUnknown);
        await AssertFieldErrorsAsync(await PutAsync(new { id, service_rule = 0 }), "service_rule");
        await AssertProblemAsync(await PutAsync(new { id = Guid.NewGuid(), comment = "x" }), 404, ErrorCodes.ApprovalNotFound);
        await AssertFieldErrorsAsync(await PutAsync(new { id, status = 9 }), "status");
        await AssertProblemAsync(await PutAsync(new { id, status = 1 }), 409, ErrorCodes.InvalidTransition);
    }

    [Fact]
    public async Task Routes_need_the_raw_key_in_authorization()
    {
        using var raw = new HttpRequestMessage(HttpMethod.Get, "/requests");
        raw.Headers.TryAddWithoutValidation("Authorization", ApprovalsApiFactory.ApiKey);
        await AssertStatusAsync(await Anonymous.SendAsync(raw), HttpStatusCode.OK);

        await AssertProblemAsync(await Anonymous.GetAsync("/requests"), 401, ErrorCodes.Unauthenticated);
        await AssertProblemAsync(await Anonymous.PostAsJsonAsync("/request", new { title = "x" }), 401, ErrorCodes.Unauthenticated);
        await AssertProblemAsync(await Anonymous.PutAsJsonAsync("/request", new { id = Guid.NewGuid() }), 401, ErrorCodes.Unauthenticated);
        await AssertProblemAsync(await Anonymous.GetAsync($"/request?id={Guid.NewGuid()}"), 401, ErrorCodes.Unauthenticated);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/octet-stream")]
    public async Task Create_and_edit_read_the_body_as_json_whatever_its_declared_type_as_the_original_did(string? contentType)
    {
        var rule = await ServiceRuleAsync();
        var created = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/request")
        {
            Content = Declared(Serialize(new { title = "Old client", description = "d", service_rule = rule, deadline = FutureDeadline, comment = "" }), contentType),
        });
        await AssertStatusAsync(created, HttpStatusCode.OK);
        var id = (string)(await ReadObjectAsync(created))["approval_item"]!["id"]!;

        var edited = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/request")
        {
            Content = Declared(Serialize(new { id, comment = $"as {contentType ?? "nothing"}" }), contentType),
        });

        await AssertStatusAsync(edited, HttpStatusCode.OK);
        var stored = await ReadObjectAsync(await Client.GetAsync($"/api/v1/approvals/{id}"));
        Assert.Equal("Old client", (string?)stored["title"]);
        Assert.Equal($"as {contentType ?? "nothing"}", (string?)stored["comment"]);
    }

    [Fact]
    public async Task A_body_in_another_charset_is_still_refused_and_v1_still_wants_json()
    {
        var rule = await ServiceRuleAsync();
        var body = Serialize(new { title = "Latin", description = "d", service_rule = rule, deadline = FutureDeadline });

        await AssertProblemAsync(await Client.PostAsync("/request", Declared(body, "text/plain; charset=iso-8859-1")), 415, ErrorCodes.UnsupportedMediaType);
        await AssertProblemAsync(
            await Client.PostAsync("/api/v1/approvals", Declared(Serialize(new { title = "t", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }), "text/plain")),
            415, ErrorCodes.UnsupportedMediaType);
        await using var db = Factory.CreateDbContext();
        Assert.False(await db.Approvals.AnyAsync(a => a.Title == "Latin" || a.Title == "t"));
    }

    /// <summary>A body with exactly the given Content-Type, or none.</summary>
    private static ByteArrayContent Declared(string body, string? contentType)
    {
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    private async Task<string> CreateLegacyAsync(string title, int days = 7)
    {
        var rule = await ServiceRuleAsync();
        var response = await Client.PostAsJsonAsync("/request", new
        {
            title,
            description = "From an old client",
            service_rule = rule,
            deadline = Factory.Clock.GetUtcNow().AddDays(days),
            comment = "",
        });
        await AssertStatusAsync(response, HttpStatusCode.OK);
        return (string)(await ReadObjectAsync(response))["approval_item"]!["id"]!;
    }

    private Task<HttpResponseMessage> PutAsync(object body) => Client.PutAsJsonAsync("/request", body);

    private async Task<List<JsonObject>> ListAsync(string path)
    {
        var response = await Client.GetAsync(path);
        await AssertStatusAsync(response, HttpStatusCode.OK);
        var body = await ReadObjectAsync(response);
        Assert.Equal(["approval_items"], body.Select(p => p.Key));
        return [.. body["approval_items"]!.AsArray().Select(i => i!.AsObject())];
    }

    private static List<string> Ids(IEnumerable<JsonObject> items) => [.. items.Select(i => (string)i["id"]!)];
}
