using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Delivery;
using Approvals.Domain;

namespace Approvals.Api.Tests.Timers;

/// <summary><c>onDeadline: escalate</c> end to end: approvers added, the deadline moved on, then the next action.</summary>
public sealed class EscalationTests(DeliveryFixture fixture) : TimerTestBase<DeliveryFixture>(fixture)
{
    [Fact]
    public async Task A_passing_deadline_escalates_once_then_the_extended_deadline_takes_the_next_action()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var deadline = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow().AddHours(1));
        var response = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Escalating",
            description = "Nobody answers.",
            deadline,
            serviceRules = new[] { rule },
            approvers = new[] { new { role = "approver" } },
            onDeadline = "escalate",
            escalation = new { approvers = new[] { new { role = "admin" } }, extendBy = "PT2H", then = "cancel" },
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        var created = await ReadObjectAsync(response);
        Assert.Equal("PT2H", (string)created["escalation"]!["extendBy"]!);
        var id = Guid.Parse((string)created["id"]!);

        AdvanceTo(deadline);
        await WaitUntilDueTimersFiredAsync(id);
        var escalated = await GetApprovalAsync(id);
        Assert.Equal("PENDING", (string)escalated["status"]!);
        Assert.Equal(["approver", "admin"], escalated["stages"]![0]!["approvers"]!.AsArray().Select(a => (string)a!["role"]!));
        Assert.Equal(deadline.AddHours(2), DateTimeOffset.Parse((string)escalated["deadline"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("cancel", (string)escalated["onDeadline"]!);
        Assert.Null(escalated["escalation"]);
        var escalatedEvent = Assert.Single(await EventsAsync(id), e => e.Type == ApprovalEventType.Escalated);
        Assert.Equal("system:deadline", escalatedEvent.Actor);

        AdvanceTo(deadline.AddHours(2));
        await WaitForStatusAsync(id, "CANCELLED");
        Assert.Single(await EventsAsync(id), e => e.Type == ApprovalEventType.Escalated);
    }

    [Fact]
    public async Task Escalation_settings_are_checked_on_create_and_edit_and_refusals_change_nothing()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var before = await SnapshotAsync();
        var noEscalation = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "t", description = "d", deadline = Factory.Clock.GetUtcNow().AddDays(1), serviceRules = new[] { rule }, onDeadline = "escalate",
        });
        await AssertFieldErrorsAsync(noEscalation, "escalation");
        var unknown = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "t", description = "d", deadline = Factory.Clock.GetUtcNow().AddDays(1), serviceRules = new[] { rule }, onDeadline = "escalate",
            escalation = new { approvers = new[] { new { user = "nobody-at-all" } }, extendBy = "PT1H" },
        });
        await AssertProblemAsync(unknown, 422, ErrorCodes.UnknownApprover);
        var badDuration = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "t", description = "d", deadline = Factory.Clock.GetUtcNow().AddDays(1), serviceRules = new[] { rule }, onDeadline = "escalate",
            escalation = new { approvers = new[] { new { role = "admin" } }, extendBy = "tomorrow" },
        });
        await AssertFieldErrorsAsync(badDuration, "escalation.extendBy");
        var twice = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "t", description = "d", deadline = Factory.Clock.GetUtcNow().AddDays(1), serviceRules = new[] { rule }, onDeadline = "escalate",
            escalation = new { approvers = new[] { new { role = "admin" } }, extendBy = "PT1H", then = "escalate" },
        });
        await AssertFieldErrorsAsync(twice, "escalation.then");
        before.AssertUnchanged(await SnapshotAsync(), "refused creates write nothing");

        var ruleDefault = await Client.PutAsJsonAsync($"/api/v1/service-rules/{rule}", new
        {
            name = $"escalating-{Guid.NewGuid():N}", url = "http://127.0.0.1:9/x", apiKey = "k", onDeadline = "escalate",
        });
        await AssertFieldErrorsAsync(ruleDefault, "onDeadline");
    }
}
