using Approvals.Api.Features;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Delivery;

/// <summary>
/// The dispatchers' queue: what a claim takes, and when its dispatcher must wake next without a notification (the
/// earliest pending job or running lease of another dispatcher), which the claim reports in the same round trip.
/// The host here has the dispatcher off, so the jobs stay where the test puts them.
/// </summary>
public class DeliveryQueueTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Next_due_is_the_earliest_pending_job_or_foreign_lease()
    {
        var queue = Factory.Services.GetRequiredService<DeliveryJobStore>();
        Assert.Null(await NextDueAsync(queue, []));

        var rule = await ServiceRuleAsync();
        var first = await DecidedJobAsync(rule);
        var second = await DecidedJobAsync(rule);
        var now = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow());
        await SetJobAsync(first, DeliveryState.Pending, nextAttemptAt: now.AddMinutes(5), leaseExpiresAt: null);
        await SetJobAsync(second, DeliveryState.Pending, nextAttemptAt: now.AddMinutes(3), leaseExpiresAt: null);
        Assert.Equal(now.AddMinutes(3), await NextDueAsync(queue, []));

        // A lease running out counts from its expiry, unless the job is one this dispatcher is sending itself.
        await SetJobAsync(second, DeliveryState.Sending, nextAttemptAt: now.AddMinutes(-10), leaseExpiresAt: now.AddMinutes(1));
        Assert.Equal(now.AddMinutes(1), await NextDueAsync(queue, []));
        Assert.Equal(now.AddMinutes(5), await NextDueAsync(queue, [second]));

        // Finished jobs never fall due.
        await SetJobAsync(first, DeliveryState.Succeeded, nextAttemptAt: now.AddMinutes(-10), leaseExpiresAt: null);
        await SetJobAsync(second, DeliveryState.Succeeded, nextAttemptAt: now.AddMinutes(-10), leaseExpiresAt: null);
        Assert.Null(await NextDueAsync(queue, []));
    }

    [Fact]
    public async Task A_claimed_job_of_a_decision_that_is_no_longer_current_is_marked_superseded_and_not_sent()
    {
        var queue = Factory.Services.GetRequiredService<DeliveryJobStore>();
        var rule = await ServiceRuleAsync();
        var current = await DecidedJobAsync(rule);
        var orphan = await DecidedJobAsync(rule);
        var now = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow());

        // A new decision supersedes the old one's open jobs in its transaction; this breaks that rule by hand, and
        // puts the orphan first in the queue.
        await SetJobAsync(orphan, DeliveryState.Pending, nextAttemptAt: now.AddMinutes(-2), leaseExpiresAt: null);
        await SetJobAsync(current, DeliveryState.Pending, nextAttemptAt: now.AddMinutes(-1), leaseExpiresAt: null);
        await using (var db = Factory.CreateDbContext())
        {
            await db.Approvals.Where(a => a.DeliveryJobs.Any(j => j.Id == orphan))
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.CurrentDecisionId, Guid.NewGuid()));
        }

        var claimed = await queue.ClaimAsync("test-dispatcher", 10, now, TimeSpan.FromSeconds(30), [], CancellationToken.None);

        Assert.Equal(current, Assert.Single(claimed.Jobs).Id);
        await using (var db = Factory.CreateDbContext())
        {
            var stored = await db.DeliveryJobs.AsNoTracking().SingleAsync(j => j.Id == orphan);
            Assert.Equal(DeliveryState.Superseded, stored.State);
            Assert.Equal(now, stored.CompletedAt);
            Assert.Equal(0, stored.Attempts);
        }

        var later = await queue.ClaimAsync(
            "test-dispatcher", 10, now.AddMinutes(10), TimeSpan.FromSeconds(30), [current], CancellationToken.None);
        Assert.Empty(later.Jobs);
        Assert.Null(await NextDueAsync(queue, [current]));

        // The other test starts from an empty queue.
        await SetJobAsync(current, DeliveryState.Succeeded, nextAttemptAt: now, leaseExpiresAt: null);
    }

    /// <summary>
    /// What a claim at the test clock's time reports as next due; none of these tests' jobs is due by then.
    /// </summary>
    private async Task<DateTimeOffset?> NextDueAsync(DeliveryJobStore queue, Guid[] running)
    {
        var claim = await queue.ClaimAsync(
            "test-dispatcher", 10, Factory.Clock.GetUtcNow(), TimeSpan.FromSeconds(30), running, default);
        Assert.Empty(claim.Jobs);
        return claim.NextDue;
    }

    private async Task<Guid> DecidedJobAsync(int rule)
    {
        var id = await CreateApprovalIdAsync("Queue", rule);
        (await DecideAsync(id, "approve")).EnsureSuccessStatusCode();
        return Assert.Single((await StoredTrailAsync(id)).Jobs).Id;
    }

    private async Task SetJobAsync(Guid job, DeliveryState state, DateTimeOffset nextAttemptAt, DateTimeOffset? leaseExpiresAt)
    {
        await using var db = Factory.CreateDbContext();
        await db.DeliveryJobs.Where(j => j.Id == job).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, state)
            .SetProperty(j => j.NextAttemptAt, nextAttemptAt)
            .SetProperty(j => j.LeaseExpiresAt, leaseExpiresAt)
            .SetProperty(j => j.LeaseOwner, leaseExpiresAt == null ? null : "another-dispatcher"));
    }
}
