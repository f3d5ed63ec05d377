using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Timers;

/// <summary>
/// <c>onDeadline</c> and <c>remindBefore</c> through API v1 (create, edit, service rules) and the timers they store;
/// no timer loop runs here (the default factory delivers nothing), so what is checked is what was written.
/// </summary>
public sealed class DeadlineSettingsTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Create_shows_the_settings_and_stores_the_deadline_timer_and_the_reminders_still_ahead()
    {
        var deadline = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow().AddHours(12));
        var response = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Timed", description = "d", deadline, serviceRules = new[] { await ServiceRuleAsync() },
            onDeadline = "reject", remindBefore = new[] { "PT1H", "P1D", "PT30M" },
        });

        await AssertStatusAsync(response, HttpStatusCode.Created);
        var body = await ReadObjectAsync(response);
        Assert.Equal("reject", (string?)body["onDeadline"]);
        Assert.Equal(["PT1H", "P1D", "PT30M"], body["remindBefore"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(body.ToJsonString(), (await Client.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{body["id"]}"))!.ToJsonString());

        // The day-before reminder of a deadline twelve hours away is already past: skipped, never raised.
        var timers = await TimersAsync(Guid.Parse((string)body["id"]!));
        Assert.Equal(
            [(TimerKind.Deadline, deadline, TimeSpan.Zero), (TimerKind.Reminder, deadline.AddMinutes(-30), TimeSpan.FromMinutes(30)), (TimerKind.Reminder, deadline.AddHours(-1), TimeSpan.FromHours(1))],
            timers.OrderBy(t => t.Kind).ThenBy(t => t.BeforeDeadline).Select(t => (t.Kind, t.DueAt, t.BeforeDeadline)));
        Assert.All(timers, t => Assert.Equal(deadline, t.Deadline));

        var created = (await StoredTrailAsync((string)body["id"]!)).History.Single();
        Assert.Equal("reject", created.Changes.GetProperty("onDeadline").GetProperty("new").GetString());
        Assert.Equal(3, created.Changes.GetProperty("remindBefore").GetProperty("new").GetArrayLength());
    }

    [Fact]
    public async Task Without_settings_an_approval_follows_its_rules_and_keeps_a_deadline_timer_for_their_default()
    {
        var body = await CreateApprovalAsync("Plain");

        Assert.Null((string?)body["onDeadline"]);
        Assert.Empty(body["remindBefore"]!.AsArray());
        var timer = Assert.Single(await TimersAsync(Guid.Parse((string)body["id"]!)));
        Assert.Equal((TimerKind.Deadline, (DateTimeOffset)body["deadline"]!), (timer.Kind, timer.DueAt));

        var none = await CreateAsync(new { onDeadline = "none" });
        Assert.Equal("none", (string?)none["onDeadline"]);
        Assert.Empty(await TimersAsync(Guid.Parse((string)none["id"]!)));
    }

    [Fact]
    public async Task Bad_settings_on_create_are_refused_and_nothing_is_written()
    {
        var rule = await ServiceRuleAsync();
        var before = await SnapshotAsync();

        var unknownAction = await CreateRawAsync(new { onDeadline = "later" }, rule);
        var problem = await AssertProblemAsync(unknownAction, 400, ErrorCodes.ValidationFailed);
        Assert.Equal(["onDeadline"], problem["errors"]!.AsObject().Select(e => e.Key));

        var badReminders = await CreateRawAsync(new { remindBefore = new[] { "PT24H", "P1D", "PT0S", "tomorrow" } }, rule);
        problem = await AssertProblemAsync(badReminders, 422, ErrorCodes.InvalidReminders);
        var messages = problem["errors"]!["remindBefore"]!.AsArray().Select(m => (string)m!).ToList();
        Assert.Equal(3, messages.Count);
        Assert.Contains(messages, m => m.Contains("'P1D' repeats", StringComparison.Ordinal));

        var tooMany = await CreateRawAsync(new { remindBefore = Enumerable.Range(1, 6).Select(h => $"PT{h}H").ToArray() }, rule);
        await AssertProblemAsync(tooMany, 422, ErrorCodes.InvalidReminders);

        before.AssertUnchanged(await SnapshotAsync(), "refused creates");
    }

    [Fact]
    public async Task Editing_the_settings_records_them_and_schedules_the_new_timers_keeping_equal_ones()
    {
        var created = await CreateAsync(new { onDeadline = "reject", remindBefore = new[] { "PT1H" } });
        var id = (string)created["id"]!;
        var deadline = (DateTimeOffset)created["deadline"]!;

        var edited = await PatchAsync(id, """{"onDeadline": "cancel", "remindBefore": ["PT1H", "PT2H"]}""");
        await AssertStatusAsync(edited, HttpStatusCode.OK);
        var body = await ReadObjectAsync(edited);
        Assert.Equal(("cancel", 2), ((string?)body["onDeadline"], body["remindBefore"]!.AsArray().Count));

        // The deadline timer and the hour-before reminder were stored already: kept, not doubled; the new reminder is added.
        Assert.Equal([(TimerKind.Deadline, TimeSpan.Zero), (TimerKind.Reminder, TimeSpan.FromHours(1)), (TimerKind.Reminder, TimeSpan.FromHours(2))],
            (await TimersAsync(Guid.Parse(id))).OrderBy(t => t.Kind).ThenBy(t => t.BeforeDeadline).Select(t => (t.Kind, t.BeforeDeadline)));

        var history = (await StoredTrailAsync(id)).History;
        var change = history[^1].Changes;
        Assert.Equal(ApprovalEventType.Edited, history[^1].Type);
        Assert.Equal(("reject", "cancel"), (change.GetProperty("onDeadline").GetProperty("old").GetString(), change.GetProperty("onDeadline").GetProperty("new").GetString()));
        Assert.Equal(2, change.GetProperty("remindBefore").GetProperty("new").GetArrayLength());

        // Null returns to the rules' default and removes the reminders.
        body = await ReadObjectAsync(await PatchAsync(id, """{"onDeadline": null, "remindBefore": null}"""));
        Assert.Null((string?)body["onDeadline"]);
        Assert.Empty(body["remindBefore"]!.AsArray());

        // A moved deadline gets timers of its own; the old ones stay, stale, until they come due and are cleared.
        var moved = deadline.AddDays(1);
        await AssertStatusAsync(await PatchAsync(id, $$"""{"deadline": "{{moved:O}}", "remindBefore": ["PT1H"]}"""), HttpStatusCode.OK);
        var timers = await TimersAsync(Guid.Parse(id));
        Assert.Equal([(TimerKind.Deadline, moved), (TimerKind.Reminder, moved.AddHours(-1))],
            timers.Where(t => t.Deadline == moved).OrderBy(t => t.Kind).Select(t => (t.Kind, t.DueAt)));
        Assert.Equal(3, timers.Count(t => t.Deadline == deadline));
    }

    [Fact]
    public async Task Bad_settings_on_edit_change_nothing()
    {
        var id = (string)(await CreateAsync(new { onDeadline = "cancel" }))["id"]!;
        var before = await SnapshotAsync();

        await AssertProblemAsync(await PatchAsync(id, """{"title": "New", "remindBefore": ["PT1H", "PT1H"]}"""), 422, ErrorCodes.InvalidReminders);
        await AssertFieldErrorsAsync(await PatchAsync(id, """{"onDeadline": "sometimes"}"""), "onDeadline");
        await AssertFieldErrorsAsync(await PatchAsync(id, """{"remindBefore": ["PT1H", 2]}"""), "remindBefore[1]");
        await AssertProblemAsync(await PatchAsync(id, $$"""{"deadline": "{{Factory.Clock.GetUtcNow().AddMinutes(-1):O}}", "onDeadline": "reject"}"""), 422, ErrorCodes.DeadlineInPast);

        before.AssertUnchanged(await SnapshotAsync(), "refused edits");
    }

    [Fact]
    public async Task A_service_rule_keeps_a_default_on_deadline_and_refuses_an_unknown_one()
    {
        var response = await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = $"timed-{Guid.NewGuid():N}", url = "https://timed.example.com/x", apiKey = "k", onDeadline = "cancel" });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        var rule = (await ReadObjectAsync(response))["serviceRule"]!;
        Assert.Equal("cancel", (string?)rule["onDeadline"]);

        var replaced = await Client.PutAsJsonAsync($"/api/v1/service-rules/{rule["id"]}", new { name = (string)rule["name"]!, url = "https://timed.example.com/x" });
        await AssertStatusAsync(replaced, HttpStatusCode.OK);
        Assert.Null((string?)(await ReadObjectAsync(replaced))["onDeadline"]);

        var before = await SnapshotAsync();
        var refused = await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = "bad-default", url = "https://timed.example.com/x", apiKey = "k", onDeadline = "approve" });
        await AssertFieldErrorsAsync(refused, "onDeadline");
        before.AssertUnchanged(await SnapshotAsync(), "a refused service rule");
    }

    private async Task<JsonObject> CreateAsync(object settings)
    {
        var response = await CreateRawAsync(settings);
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return await ReadObjectAsync(response);
    }

    /// <summary>Posts a valid approval with <paramref name="settings"/>' members added.</summary>
    private async Task<HttpResponseMessage> CreateRawAsync(object settings, int? rule = null)
    {
        var body = JsonNode.Parse(Serialize(new { title = "Timed", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule ?? await ServiceRuleAsync() } }))!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(Serialize(settings))!.AsObject())
        {
            body[name] = value?.DeepClone();
        }

        return await Client.PostAsync("/api/v1/approvals", Json(body.ToJsonString()));
    }

    private async Task<List<ApprovalTimerRecord>> TimersAsync(Guid approvalId)
    {
        await using var db = Factory.CreateDbContext();
        return await db.ApprovalTimers.Where(t => t.ApprovalId == approvalId).ToListAsync();
    }
}
