using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Delivery;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Timers;

/// <summary>
/// Deadlines that act and reminders, end to end on the postgres transport: ApprovalService with its timer loop and
/// dispatcher, a real UserService, one fake clock moved past deadlines and reminders.
/// </summary>
public sealed class DeadlineTimerTests(DeliveryFixture fixture) : TimerTestBase<DeliveryFixture>(fixture)
{
    [Theory]
    [InlineData("reject", Decision.Reject, "REJECTED")]
    [InlineData("cancel", Decision.Cancel, "CANCELLED")]
    public async Task The_deadline_decides_as_an_approver_would_and_the_decision_is_delivered_once(string onDeadline, Decision decision, string final)
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var deadline = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow().AddHours(1));
        var id = await CreateTimedAsync(deadline, onDeadline, null, rule);

        AdvanceTo(deadline);
        var approval = await WaitForStatusAsync(id, final);

        Assert.Equal("succeeded", (string)approval["deliveries"]![0]!["state"]!);
        var history = await EventsAsync(id);
        Assert.Equal(
            [ApprovalEventType.Created, ApprovalEventType.Decided, ApprovalEventType.DeliverySucceeded, ApprovalEventType.Resolved],
            history.Select(e => e.Type));
        AssertDecidedByDeadline(history, decision, deadline);
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
        Assert.Equal((int)decision.FinalStatus(), (int)(await UserService.ReceivedAsync(id))!["status"]!);
        await WaitUntilDueTimersFiredAsync(id);
    }

    [Fact]
    public async Task Without_an_action_the_deadline_passes_and_nothing_is_recorded()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var deadline = Factory.Clock.GetUtcNow().AddHours(1);
        var followsRules = await CreateTimedAsync(deadline, null, null, rule);
        var saysNone = await CreateTimedAsync(deadline, "none", null, rule);

        AdvanceTo(deadline.AddMinutes(1));
        await WaitUntilDueTimersFiredAsync(followsRules, saysNone);

        foreach (var id in new[] { followsRules, saysNone })
        {
            Assert.Equal("PENDING", (string)(await GetApprovalAsync(id))["status"]!);
            Assert.Equal(ApprovalEventType.Created, Assert.Single(await EventsAsync(id)).Type);
        }

        Assert.Empty(await UserService.TimesReceivedAsync(followsRules));
    }

    [Fact]
    public async Task An_approval_without_its_own_action_takes_its_first_rule_default_and_its_own_wins_over_it()
    {
        var plain = await Factory.AddUserServiceRuleAsync();
        var cancelling = await Factory.AddUserServiceRuleAsync();
        await SetRuleDefaultAsync(cancelling, DeadlineAction.Cancel);
        var deadline = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow().AddHours(2));
        var followsRules = await CreateTimedAsync(deadline, null, null, plain, cancelling);
        var ownAction = await CreateTimedAsync(deadline, "reject", null, cancelling);

        AdvanceTo(deadline);
        await WaitForStatusAsync(followsRules, "CANCELLED");
        await WaitForStatusAsync(ownAction, "REJECTED");

        AssertDecidedByDeadline(await EventsAsync(followsRules), Decision.Cancel, deadline);
        AssertDecidedByDeadline(await EventsAsync(ownAction), Decision.Reject, deadline);
        Assert.Equal(2, (await UserService.TimesReceivedAsync(followsRules)).Count); // one job per rule
    }

    [Fact]
    public async Task A_deadline_passing_after_a_decision_or_in_error_does_nothing_and_its_timer_is_cleared()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var deadline = Factory.Clock.GetUtcNow().AddHours(1);
        var approved = await CreateTimedAsync(deadline, "reject", ["PT30M"], rule);
        var failed = await CreateTimedAsync(deadline, "cancel", ["PT30M"], rule);
        await DecideAsync(approved, "approve");
        await WaitForStatusAsync(approved, "APPROVED");
        await Factory.SeedFailedDeliveryAsync(failed);
        var before = (await EventsAsync(approved)).Count;

        AdvanceTo(deadline.AddMinutes(1));
        await WaitUntilDueTimersFiredAsync(approved, failed);

        Assert.Equal("APPROVED", (string)(await GetApprovalAsync(approved))["status"]!);
        Assert.Equal(before, (await EventsAsync(approved)).Count);
        Assert.Equal("ERROR", (string)(await GetApprovalAsync(failed))["status"]!);
        Assert.Equal(ApprovalEventType.Created, Assert.Single(await EventsAsync(failed)).Type);
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(approved)).Value);
    }

    [Fact]
    public async Task Each_reminder_is_raised_once_while_pending_with_its_deadline_and_which_one_it_is()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var deadline = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow().AddDays(2));
        var id = await CreateTimedAsync(deadline, "none", ["PT24H", "PT1H"], rule);

        AdvanceTo(deadline.AddHours(-24));
        await WaitUntilDueTimersFiredAsync(id);
        var first = Assert.Single(await EventsAsync(id), e => e.Type == ApprovalEventType.ReminderDue);
        Assert.Equal(("system:deadline", ApprovalStatus.Pending, ApprovalStatus.Pending), (first.Actor, first.FromStatus, first.ToStatus));
        Assert.Equal("PT24H", Detail(first, "remindBefore"));
        Assert.Equal(deadline, DateTimeOffset.Parse(Detail(first, "deadline")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(first.Changes.EnumerateObject());

        AdvanceTo(deadline.AddMinutes(-30));
        await WaitUntilDueTimersFiredAsync(id);
        AdvanceTo(deadline.AddMinutes(1));
        await WaitUntilDueTimersFiredAsync(id);

        var reminders = (await EventsAsync(id)).Where(e => e.Type == ApprovalEventType.ReminderDue).ToList();
        Assert.Equal(["PT24H", "PT1H"], reminders.Select(r => Detail(r, "remindBefore")));
        Assert.Equal("PENDING", (string)(await GetApprovalAsync(id))["status"]!);

        // The feed serves them as any other event, by their type (once no older transaction holds them back).
        List<string> served = [];
        await WaitUntilAsync(async () =>
        {
            var page = await Client.GetFromJsonAsync<JsonObject>($"/api/v1/events?type=approval.reminder_due&approvalId={id}&wait=1");
            served = [.. page!["events"]!.AsArray().Select(e => (string)e!["id"]!)];
            return served.Count == reminders.Count;
        }, describe: () => $"the feed to serve both reminders ({served.Count} so far)");
        Assert.Equal(reminders.Select(r => r.Record.Id.ToString()), served);
        var history = await GetHistoryAsync(id);
        Assert.Equal(2, history.Count(e => (string)e!["action"]! == "reminder_due"));
    }

    [Fact]
    public async Task Moving_the_deadline_reschedules_and_the_old_deadline_passes_without_effect()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var first = Factory.Clock.GetUtcNow().AddHours(1);
        var moved = Timestamps.ToStoredPrecision(first.AddHours(2));
        var id = await CreateTimedAsync(first, "reject", ["PT10M"], rule);

        var edited = await PatchAsync(id.ToString(), $$"""{"deadline": "{{moved:O}}"}""");
        Assert.True(edited.IsSuccessStatusCode, await edited.Content.ReadAsStringAsync());

        AdvanceTo(first.AddMinutes(1));
        await WaitUntilDueTimersFiredAsync(id);
        Assert.Equal("PENDING", (string)(await GetApprovalAsync(id))["status"]!);
        Assert.DoesNotContain(await EventsAsync(id), e => e.Type is ApprovalEventType.Decided or ApprovalEventType.ReminderDue);

        AdvanceTo(moved.AddMinutes(-10));
        await WaitUntilDueTimersFiredAsync(id);
        AdvanceTo(moved);
        await WaitForStatusAsync(id, "REJECTED");
        var history = await EventsAsync(id);
        AssertDecidedByDeadline(history, Decision.Reject, moved);
        var reminder = Assert.Single(history, e => e.Type == ApprovalEventType.ReminderDue);
        Assert.Equal(moved, DateTimeOffset.Parse(Detail(reminder, "deadline")!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task SetRuleDefaultAsync(int ruleId, DeadlineAction action)
    {
        await using var db = Factory.CreateDbContext();
        await db.ServiceRules.Where(r => r.Id == ruleId).ExecuteUpdateAsync(s => s.SetProperty(r => r.OnDeadline, action));
    }
}
