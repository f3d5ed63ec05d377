using Approvals.Api.Features;
using Approvals.Api.Outbox;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Approvals.Api.Tests.Delivery;

public class DispatcherShutdownTests(ApiOnlyDeliveryFixture fixture) : DeliveryTestBase<ApiOnlyDeliveryFixture>(fixture)
{
    [Fact]
    public async Task A_dispatcher_stopping_mid_attempt_hands_the_job_back_and_another_delivers_it_once()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await UserService.SetFaultsAsync(delayMs: 600_000);
        var seen = await UserService.RequestsSeenAsync();

        await using var stopping = Factory.StartDispatcher("dispatcher-stopping");
        await DecideAsync(id, "approve");
        await WaitUntilAsync(async () => await UserService.RequestsSeenAsync() > seen, describe: () => "the attempt to reach the UserService");

        // What the host does on shutdown: stop with its shutdown timeout as the token. The attempt outlives that
        // grace period, so it is aborted and its job handed back.
        var dispatcher = stopping.Services.GetServices<IHostedService>().OfType<DeliveryDispatcher>().Single();
        using (var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await dispatcher.StopAsync(grace.Token);
        }

        Assert.True(dispatcher.ExecuteTask!.IsCompleted);

        await using (var db = Factory.CreateDbContext())
        {
            var job = await db.DeliveryJobs.Include(j => j.AttemptLog).SingleAsync(j => j.ApprovalId == id);
            Assert.Equal((DeliveryState.Pending, 0, (DateTimeOffset?)null), (job.State, job.ScheduleStep, job.LeaseExpiresAt));
            Assert.Contains("Aborted", Assert.Single(job.AttemptLog).Error);
        }

        await UserService.SetFaultsAsync(delayMs: 0);
        await using var next = Factory.StartDispatcher("dispatcher-next");
        await WaitForStatusAsync(id, "APPROVED");
        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
    }
}
