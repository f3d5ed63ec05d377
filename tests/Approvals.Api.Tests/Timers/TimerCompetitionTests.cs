using Approvals.Api.Tests.Delivery;
using Approvals.Api.Tests.Messaging;
using Approvals.Api.Timers;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Timers;

/// <summary>
/// Many timers falling due at once, with several processes' loops competing for them (small batches, so they
/// interleave): each timer fires exactly once, whichever loop takes it. The fixtures' API processes run no loop.
/// </summary>
public static class TimerCompetition
{
    public const int Approvals = 120;

    /// <summary>Small batches, so that the loops take turns rather than one taking everything.</summary>
    public static readonly KeyValuePair<string, string?>[] LoopSettings = [new("Timers:BatchSize", "7")];

    /// <summary>
    /// Creates the approvals (half rejected, half cancelled by their deadline, each with a reminder an hour before),
    /// plays the reminders and then the deadlines out on the fake clock, and checks that everything happened once.
    /// </summary>
    public static async Task RunAsync<TFixture>(TimerTestBase<TFixture> test, TFixture fixture, IReadOnlyList<TimerLoop> loops)
        where TFixture : DeliveryFixture
    {
        var rule = await fixture.AddUserServiceRuleAsync();
        var deadline = Timestamps.ToStoredPrecision(fixture.Clock.GetUtcNow().AddHours(3));
        var ids = new List<(Guid Id, Decision Decision)>();
        for (var i = 0; i < Approvals; i++)
        {
            var decision = i % 2 == 0 ? Decision.Reject : Decision.Cancel;
            ids.Add((await test.CreateForCompetitionAsync(deadline, decision.ToString().ToLowerInvariant(), rule), decision));
        }

        var all = ids.Select(x => x.Id).ToArray();
        test.MoveClockTo(deadline.AddHours(-1));
        await test.WaitForDueTimersAsync(all);
        test.MoveClockTo(deadline);
        foreach (var (id, decision) in ids)
        {
            await test.WaitForFinalAsync(id, decision.FinalStatus().ToWireName());
        }

        await using var db = fixture.CreateDbContext();
        var events = await db.Events.Where(e => all.Contains(e.ApprovalId) && e.Actor == "system:deadline")
            .Select(e => new { e.ApprovalId, e.Type }).ToListAsync();
        foreach (var (id, _) in ids)
        {
            Assert.Equal(1, events.Count(e => e.ApprovalId == id && e.Type == "approval.reminder_due"));
            Assert.Equal(1, events.Count(e => e.ApprovalId == id && e.Type == "approval.decided"));
            Assert.Equal(1, Assert.Single(await fixture.UserService.TimesReceivedAsync(id)).Value);
        }

        Assert.Equal(0, await db.ApprovalTimers.CountAsync(t => all.Contains(t.ApprovalId)));
        Assert.Equal(2 * Approvals, loops.Sum(l => l.TimersActed));
        Assert.True(loops.Count(l => l.TimersActed > 0) >= 2,
            $"the loops share the work ({string.Join(", ", loops.Select(l => l.TimersActed))} timers acted)");
    }
}

/// <summary>Three dispatcher processes (role worker, postgres transport), each with its timer loop.</summary>
public sealed class PostgresTimerCompetitionTests(ApiOnlyDeliveryFixture fixture) : TimerTestBase<ApiOnlyDeliveryFixture>(fixture)
{
    [Fact]
    public async Task Many_timers_due_at_once_with_three_loops_competing_each_fire_once()
    {
        await using var first = Factory.StartDispatcher("timers-a", TimerCompetition.LoopSettings);
        await using var second = Factory.StartDispatcher("timers-b", TimerCompetition.LoopSettings);
        await using var third = Factory.StartDispatcher("timers-c", TimerCompetition.LoopSettings);

        await TimerCompetition.RunAsync(this, Factory, [first.Timers, second.Timers, third.Timers]);
    }
}

/// <summary>Two worker processes on the RabbitMQ transport, each with its timer loop; the reminders reach the exchange.</summary>
public sealed class BrokerTimerCompetitionTests(ApiOnlyBrokerFixture fixture) : TimerTestBase<ApiOnlyBrokerFixture>(fixture)
{
    [Fact]
    public async Task Many_timers_due_at_once_with_two_worker_loops_competing_each_fire_once()
    {
        await using var tap = await Factory.TapEventsAsync("approval.reminder_due");
        await using var first = Factory.StartWorker(settings: TimerCompetition.LoopSettings);
        await using var second = Factory.StartWorker(settings: TimerCompetition.LoopSettings);

        await TimerCompetition.RunAsync(this, Factory, [first.Timers, second.Timers]);

        await WaitUntilAsync(() => Task.FromResult(tap.Events.Count >= TimerCompetition.Approvals),
            describe: () => $"{TimerCompetition.Approvals} reminders on approvals.events ({tap.Events.Count} so far)");
        Assert.Equal(TimerCompetition.Approvals, tap.Events.Select(e => e.MessageId).Distinct().Count());
        Assert.All(tap.Events, e => Assert.Equal("PT1H", System.Text.Json.Nodes.JsonNode.Parse(e.Body)!["remindBefore"]!.GetValue<string>()));
    }
}
