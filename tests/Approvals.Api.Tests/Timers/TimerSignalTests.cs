using Approvals.Api.Tests.Delivery;

namespace Approvals.Api.Tests.Timers;

/// <summary>ApprovalService whose timer loop polls only every ten minutes, so only the in-process signal can wake it sooner.</summary>
public sealed class SlowPollDeliveryFixture : DeliveryFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [.. base.ExtraSettings, new("Timers:PollInterval", "00:10:00")];
}

/// <summary>
/// A timer committed in the process wakes its sleeping loop when it falls due before the loop meant to look again: the
/// loop planned ten minutes of sleep (nothing was due), and a deadline a second away is acted on when it passes.
/// </summary>
public sealed class TimerSignalTests(SlowPollDeliveryFixture fixture) : TimerTestBase<SlowPollDeliveryFixture>(fixture)
{
    [Fact]
    public async Task A_deadline_created_here_wakes_the_loop_before_its_poll()
    {
        var rule = await Factory.AddUserServiceRuleAsync();

        // The loop has found nothing due and sleeps for its poll interval.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var deadline = Factory.Clock.GetUtcNow().AddSeconds(1);
        var id = await CreateTimedAsync(deadline, "cancel", null, rule);

        // The commit's signal woke it; it now sleeps until the deadline, which the clock then passes.
        await Task.Delay(TimeSpan.FromSeconds(1));
        AdvanceTo(deadline.AddSeconds(1));
        await WaitForStatusAsync(id, "CANCELLED");
    }
}
