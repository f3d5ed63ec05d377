using Approvals.Api.Telemetry;
using Approvals.Api.Tests.Infrastructure;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>
/// The outbox gauges (this class's service does not deliver, so its decisions' jobs stay queued): the backlog and the
/// age of its oldest job, read from the database at most once per <c>Telemetry:OutboxRefreshInterval</c> however
/// often they are observed.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class OutboxBacklogMetricsTests(TelemetryApiFactory factory) : ApiTestBase<TelemetryApiFactory>(factory)
{
    private static readonly TimeSpan RefreshInterval = new TelemetryOptions().OutboxRefreshInterval;

    [Fact]
    public async Task The_gauges_show_the_queued_jobs_and_the_age_of_the_oldest_refreshed_once_per_interval()
    {
        using var measurements = new AppMeasurements(Factory.Services);
        var (backlog, _) = await ObserveUntilAsync(measurements, b => b.Count > 0);
        Assert.Equal(0, backlog.Single());

        var first = await CreateApprovalIdAsync("Queued", [await ServiceRuleAsync(), await ServiceRuleAsync()]);
        await AssertStatusAsync(await DecideAsync(first, "approve"), System.Net.HttpStatusCode.Accepted);

        // Within the interval the figures are the last ones read: no statement per observation.
        var (cached, _) = await ObserveUntilAsync(measurements, b => b.Count > 1);
        Assert.Equal(0, cached[^1]);

        Factory.Clock.Advance(RefreshInterval);
        var (refreshed, ages) = await ObserveUntilAsync(measurements, b => b[^1] > 0);
        Assert.Equal(2, refreshed[^1]);
        Assert.Equal(RefreshInterval.TotalSeconds, ages[^1], precision: 3);

        // The age grows with the time the oldest job waits, between reads too.
        Factory.Clock.Advance(TimeSpan.FromSeconds(7));
        var (_, older) = await ObserveUntilAsync(measurements, _ => true);
        Assert.Equal(RefreshInterval.TotalSeconds + 7, older[^1], precision: 3);
    }

    /// <summary>Observes the gauges until the backlog's values so far satisfy <paramref name="done"/>.</summary>
    private static async Task<(List<double> Backlog, List<double> Ages)> ObserveUntilAsync(AppMeasurements measurements, Func<List<double>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            measurements.Observe();
            var backlog = measurements.Of("approvals.outbox.backlog").Select(m => m.Value).ToList();
            if (backlog.Count > 0 && done(backlog))
            {
                return (backlog, measurements.Of("approvals.outbox.oldest_age").Select(m => m.Value).ToList());
            }

            Assert.True(DateTime.UtcNow < deadline, $"The gauges never showed what was expected; backlog so far: {string.Join(", ", backlog)}.");
            await Task.Delay(20);
        }
    }
}
