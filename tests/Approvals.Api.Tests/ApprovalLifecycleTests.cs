using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests;

public class ApprovalLifecycleTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Create_returns_201_with_location_etag_and_a_pending_approval()
    {
        var rule = await ServiceRuleAsync();
        var response = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Laptop",
            description = "For the design team",
            deadline = FutureDeadline,
            serviceRules = new[] { rule },
        });

        await AssertStatusAsync(response, HttpStatusCode.Created);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("PENDING", (string?)body["status"]);
        Assert.Equal($"/api/v1/approvals/{body["id"]}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal("client:test", (string?)body["createdBy"]);
        Assert.Equal(rule, (int?)body["serviceRules"]![0]);

        var get = await Client.GetAsync(response.Headers.Location);
        await AssertStatusAsync(get, HttpStatusCode.OK);
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Every_write_answers_exactly_what_a_later_read_returns()
    {
        var created = await CreateApprovalAsync("Round trip");
        var id = (string)created["id"]!;
        Assert.Equal(created.ToJsonString(), await ReadAsync(id));

        var patched = await ReadObjectAsync(await PatchAsync(id, """{"comment":"patched"}"""));
        Assert.Equal(patched.ToJsonString(), await ReadAsync(id));

        var decided = await ReadObjectAsync(await DecideAsync(id, "approve"));
        Assert.Equal(decided.ToJsonString(), await ReadAsync(id));

        async Task<string> ReadAsync(string approvalId) => (await ReadObjectAsync(await Client.GetAsync($"/api/v1/approvals/{approvalId}"))).ToJsonString();
    }

    [Fact]
    public async Task Approve_is_accepted_and_writes_one_delivery_job_per_service_rule()
    {
        var first = await ServiceRuleAsync();
        var second = await ServiceRuleAsync();
        var approval = await CreateApprovalAsync("Two services", first, second);
        var id = (string)approval["id"]!;

        var response = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve", comment = "ok" });

        await AssertStatusAsync(response, HttpStatusCode.Accepted);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string?)body["status"]);
        Assert.Equal("PENDING", (string?)body["previousStatus"]);
        Assert.Equal("ok", (string?)body["comment"]);
        Assert.Equal(2, body["deliveries"]!.AsArray().Count);

        await using var db = Factory.CreateDbContext();
        var jobs = await db.DeliveryJobs.Where(j => j.ApprovalId == Guid.Parse(id)).OrderBy(j => j.Id).ToListAsync();
        Assert.Equal([first, second], jobs.Select(j => j.ServiceRuleId).Order());
        Assert.All(jobs, j => Assert.Equal(ApprovalStatus.Approved, j.RequestedStatus));
        Assert.All(jobs, j => Assert.Equal(DeliveryState.Pending, j.State));
    }

    [Fact]
    public async Task Each_job_falls_due_after_the_first_step_of_its_rules_retry_schedule()
    {
        var prompt = await ServiceRuleAsync();
        var delayed = await ServiceRuleAsync();
        var unscheduled = await ServiceRuleAsync();
        await using (var db = Factory.CreateDbContext())
        {
            await db.ServiceRules.Where(r => r.Id == delayed).ExecuteUpdateAsync(set => set.SetProperty(r => r.RetrySchedule, new[] { 45, 60 }));
            await db.ServiceRules.Where(r => r.Id == unscheduled).ExecuteUpdateAsync(set => set.SetProperty(r => r.RetrySchedule, Array.Empty<int>()));
        }

        var id = await CreateApprovalIdAsync("Three schedules", delayed, prompt, unscheduled);
        var response = await DecideAsync(id, "reject");

        await AssertStatusAsync(response, HttpStatusCode.Accepted);
        var deliveries = (await ReadObjectAsync(await Client.GetAsync($"/api/v1/approvals/{id}")))["deliveries"]!.AsArray();
        Assert.Equal([delayed, prompt, unscheduled], deliveries.Select(d => (int)d!["serviceRule"]!));
        Assert.All(deliveries, d => Assert.Equal("pending", (string?)d!["state"]));
        var (jobs, _) = await StoredTrailAsync(id);
        var stored = jobs.ToDictionary(j => j.ServiceRuleId);
        Assert.Equal(stored[prompt].CreatedAt.AddSeconds(45), stored[delayed].NextAttemptAt);
        Assert.Equal(stored[prompt].CreatedAt, stored[prompt].NextAttemptAt);
        Assert.Equal(stored[prompt].CreatedAt, stored[unscheduled].NextAttemptAt);
        Assert.All(jobs, j => Assert.Equal(ApprovalStatus.Rejected, j.RequestedStatus));
        Assert.Equal(Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow()), stored[prompt].CreatedAt);

        // The decision's own answer shows the same due times as a later read.
        var answered = (await ReadObjectAsync(response))["deliveries"]!.AsArray();
        Assert.Equal(deliveries.ToJsonString(), answered.ToJsonString());
    }

    [Fact]
    public async Task Acknowledged_approval_is_locked_until_delivery()
    {
        var id = await CreateApprovalIdAsync();
        await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "reject" });

        var edit = await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"comment":"later"}"""));
        await AssertProblemAsync(edit, 409, ErrorCodes.AwaitingDelivery);
        var decide = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" });
        await AssertProblemAsync(decide, 409, ErrorCodes.AwaitingDelivery);
    }

    [Fact]
    public async Task Final_approval_accepts_only_comment_changes()
    {
        var id = await CreateApprovalIdAsync();
        await SetStatusAsync(id, ApprovalStatus.Approved);

        var titleAndComment = await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"title":"new","comment":"c"}"""));
        await AssertProblemAsync(titleAndComment, 409, ErrorCodes.CommentOnly);
        var decide = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "cancel" });
        await AssertProblemAsync(decide, 409, ErrorCodes.CommentOnly);

        var comment = await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"comment":"delivered fine"}"""));
        await AssertStatusAsync(comment, HttpStatusCode.OK);
        var body = (await comment.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("delivered fine", (string?)body["comment"]);
        Assert.Equal("Laptop purchase", (string?)body["title"]);
        Assert.Equal("APPROVED", (string?)body["status"]);
    }

    [Fact]
    public async Task Every_change_writes_exactly_one_history_row_with_the_caller()
    {
        var id = await CreateApprovalIdAsync();
        await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"title":"Renamed","comment":"why"}"""));
        await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"comment":"only comment"}"""));
        await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"comment":"only comment"}""")); // no change, no row
        var other = Factory.CreateAuthenticatedClient(ApprovalsApiFactory.OtherApiKey);
        other.DefaultRequestHeaders.Add("X-Correlation-Id", "corr-123");
        await other.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "cancel" });

        var history = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history"))!;

        Assert.Equal(["created", "edited", "edited", "decided"], history.Select(h => (string)h!["action"]!));
        Assert.Equal("Renamed", (string?)history[1]!["changes"]!["title"]!["new"]);
        Assert.Equal("Laptop purchase", (string?)history[1]!["changes"]!["title"]!["old"]);
        Assert.Null(history[2]!["changes"]!["title"]);
        Assert.Equal("client:other", (string?)history[3]!["actor"]);
        Assert.Equal("corr-123", (string?)history[3]!["correlationId"]);
        Assert.Equal("PENDING", (string?)history[3]!["fromStatus"]);
        Assert.Equal("ACKNOWLEDGED_CANCELLED", (string?)history[3]!["toStatus"]);
    }

    [Fact]
    public async Task The_created_row_records_every_field_from_nothing_to_its_first_value()
    {
        var first = await ServiceRuleAsync();
        var second = await ServiceRuleAsync();
        var deadline = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var response = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Laptop \"Pro\" <14>",
            description = "For the new hire",
            deadline,
            comment = "über",
            serviceRules = new[] { second, first },
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        var created = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history"))!.Single()!;
        var changes = created["changes"]!.AsObject();
        Assert.Equal(["comment", "deadline", "description", "serviceRules", "title"], changes.Select(c => c.Key).Order());
        Assert.All(changes, change => Assert.Null(change.Value!["old"]));
        Assert.Equal("Laptop \"Pro\" <14>", (string?)changes["title"]!["new"]);
        Assert.Equal("For the new hire", (string?)changes["description"]!["new"]);
        Assert.Equal("über", (string?)changes["comment"]!["new"]);
        Assert.Equal(deadline, (DateTimeOffset?)changes["deadline"]!["new"]);
        Assert.Equal([second, first], changes["serviceRules"]!["new"]!.AsArray().Select(r => (int)r!));
    }

    [Fact]
    public async Task Event_table_refuses_update_delete_and_truncate()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync());
        await using var db = Factory.CreateDbContext();

        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() =>
            db.Events.Where(e => e.ApprovalId == id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Actor, "forged")));
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() =>
            db.Events.Where(e => e.ApprovalId == id).ExecuteDeleteAsync());
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => db.Database.ExecuteSqlRawAsync("TRUNCATE approval_events CASCADE"));
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == id));
    }

    [Fact]
    public async Task Updated_at_is_set_by_the_database_on_every_update()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync());
        await using var db = Factory.CreateDbContext();
        var before = await db.Approvals.Where(a => a.Id == id).Select(a => a.UpdatedAt).SingleAsync();

        await db.Database.ExecuteSqlInterpolatedAsync($"UPDATE approvals SET comment = 'direct' WHERE id = {id}");

        var after = await db.Approvals.Where(a => a.Id == id).Select(a => a.UpdatedAt).SingleAsync();
        Assert.True(after > before);
    }

    [Fact]
    public async Task Stale_if_match_gets_412_and_changes_nothing()
    {
        var id = await CreateApprovalIdAsync();
        await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"comment":"v2"}"""));

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/approvals/{id}") { Content = Json("""{"title":"stale"}""", "application/merge-patch+json") };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        await AssertProblemAsync(await Client.SendAsync(stale), 412, ErrorCodes.VersionMismatch);

        using var fresh = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/approvals/{id}") { Content = Json("""{"title":"fresh"}""", "application/merge-patch+json") };
        fresh.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
        var ok = await Client.SendAsync(fresh);
        await AssertStatusAsync(ok, HttpStatusCode.OK);
        Assert.Equal("\"3\"", ok.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Error_approval_can_be_edited_and_decided_again_superseding_old_jobs()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync());
        await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" });
        await SetStatusAsync(id.ToString(), ApprovalStatus.Error);

        var edit = await Client.PatchAsync($"/api/v1/approvals/{id}", Json("""{"title":"fixed"}"""));
        await AssertStatusAsync(edit, HttpStatusCode.OK);
        var decide = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "reject" });
        await AssertStatusAsync(decide, HttpStatusCode.Accepted);

        await using var db = Factory.CreateDbContext();
        var jobs = await db.DeliveryJobs.Where(j => j.ApprovalId == id).ToListAsync();
        var current = await db.Approvals.Where(a => a.Id == id).Select(a => a.CurrentDecisionId).SingleAsync();
        Assert.Equal(2, jobs.Count);
        Assert.Equal(DeliveryState.Superseded, jobs.Single(j => j.RequestedStatus == ApprovalStatus.Approved).State);
        Assert.Equal(current, jobs.Single(j => j.RequestedStatus == ApprovalStatus.Rejected).DecisionId);
    }

    [Fact]
    public async Task State_machine_endpoint_returns_the_table()
    {
        var table = (await Client.GetFromJsonAsync<JsonObject>("/api/v1/state-machine"))!;
        var rows = table["transitions"]!.AsArray();
        Assert.Equal(ApprovalStateMachine.Rows.Count, rows.Count);
        Assert.Contains(rows, r => (string?)r!["from"] == "PENDING" && (string?)r["command"] == "approve" && (string?)r["to"] == "ACKNOWLEDGED_APPROVED");
        Assert.Contains(rows, r => (string?)r!["from"] == "APPROVED" && (string?)r["command"] == "edit_details" && (string?)r["rejection"] == ErrorCodes.CommentOnly);
    }
}
