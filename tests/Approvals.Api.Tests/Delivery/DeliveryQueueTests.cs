using Approvals.Api.Approvals;
using Approvals.Api.Data;
using Approvals.Api.Delivery;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Delivery;

/// <summary>
/// When the dispatcher wakes next without a notification: the earliest pending job of a current decision or running
/// lease of another dispatcher (the host here has the dispatcher off, so the jobs stay where the test puts them).
/// </summary>
public class DeliveryQueueTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Next_due_is_the_earliest_pending_job_or_foreign_lease_of_a_current_decision()
    {
        var queue = Factory.Services.GetRequiredService<DeliveryQueue>();
        Assert.Null(await queue.NextDueAsync([], CancellationToken.None));

        var rule = await ServiceRuleAsync();
        var first = await DecidedJobAsync(rule);
        var second = await DecidedJobAsync(rule);
        var now = Timestamps.ToDatabasePrecision(Factory.Clock.GetUtcNow());
        await SetJobAsync(first, DeliveryState.Pending, nextAttemptAt: now.AddMinutes(5), leaseExpiresAt: null);
        await SetJobAsync(second, DeliveryState.Pending, nextAttemptAt: now.AddMinutes(3), leaseExpiresAt: null);
        Assert.Equal(now.AddMinutes(3), await queue.NextDueAsync([], CancellationToken.None));

        // A lease running out counts from its expiry, unless the job is one this dispatcher is sending itself.
        await SetJobAsync(second, DeliveryState.Sending, nextAttemptAt: now.AddMinutes(-10), leaseExpiresAt: now.AddMinutes(1));
        Assert.Equal(now.AddMinutes(1), await queue.NextDueAsync([], CancellationToken.None));
        Assert.Equal(now.AddMinutes(5), await queue.NextDueAsync([second], CancellationToken.None));

        // Finished jobs, and jobs of a decision that is no longer the approval's current one, never fall due.
        await SetJobAsync(first, DeliveryState.Succeeded, nextAttemptAt: now.AddMinutes(-10), leaseExpiresAt: null);
        await using (var db = Factory.CreateDbContext())
        {
            await db.Approvals.Where(a => a.DeliveryJobs.Any(j => j.Id == second))
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.CurrentDecisionId, Guid.NewGuid()));
        }

        Assert.Null(await queue.NextDueAsync([], CancellationToken.None));
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
