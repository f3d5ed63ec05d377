using System.Net;
using Approvals.Api.Features;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Webhooks;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Delivery;

public class DispatcherLeaseTests(DeliveryFixture fixture) : DeliveryTestBase(fixture)
{
    [Fact]
    public async Task A_job_whose_dispatcher_died_after_sending_is_taken_over_when_its_lease_expires_and_has_one_effect()
    {
        // The first attempt is scheduled a minute out, so the live dispatcher leaves it alone until then.
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [60, 2]);
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");

        // Another dispatcher, with its own view of "now", claims the job with the real queue and sends it with the
        // real sender, and dies before it can record anything.
        var queue = Factory.Services.GetRequiredService<DeliveryJobStore>();
        var claim = await queue.ClaimAsync(
            "doomed-dispatcher", 10, Factory.Clock.GetUtcNow().AddSeconds(61), TimeSpan.FromSeconds(30), [], default);
        var claimed = Assert.Single(claim.Jobs);
        Assert.Equal(id, claimed.ApprovalId);
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var prepared = (await scope.ServiceProvider.GetRequiredService<DeliveryJobRunner>().PrepareAsync(claimed, default))!;
            var outcome = await scope.ServiceProvider.GetRequiredService<WebhookSender>().SendAsync(prepared.Request, default);
            Assert.Equal(AttemptVerdict.Succeeded, outcome.Verdict);
        }

        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string?)(await GetApprovalAsync(id))["status"]);

        // Time passes beyond the dead dispatcher's lease; the live one takes the job over and delivers it again.
        await using (var db = Factory.CreateDbContext())
        {
            var job = await db.DeliveryJobs.SingleAsync(j => j.Id == claimed.Id);
            Assert.Equal(DeliveryState.Sending, job.State);
            Assert.Equal("doomed-dispatcher", job.LeaseOwner);
            Factory.Clock.Advance(job.LeaseExpiresAt!.Value - Factory.Clock.GetUtcNow());
        }

        await WaitForStatusAsync(id, "APPROVED");

        await using (var db = Factory.CreateDbContext())
        {
            var job = await db.DeliveryJobs.Include(j => j.AttemptLog).SingleAsync(j => j.Id == claimed.Id);
            Assert.Equal(DeliveryFixture.OwnerId, job.LeaseOwner);
            Assert.Equal(2, job.Attempts);
            Assert.Equal([2], job.AttemptLog.Select(a => a.Number)); // The dead dispatcher's attempt left no record.
        }

        // The same webhook-id arrived twice; the downstream counted it once.
        Assert.Equal(2, (await UserService.TimesReceivedAsync(id))[claimed.Id.ToString()]);
        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
    }

    [Fact]
    public async Task A_crashed_attempt_of_the_only_dispatcher_is_retried_by_that_dispatcher_when_its_lease_expires()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [60, 2]);
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");

        // A claim under the live dispatcher's own name whose attempt never reports back, as when it crashes.
        var queue = Factory.Services.GetRequiredService<DeliveryJobStore>();
        var claim = await queue.ClaimAsync(
            DeliveryFixture.OwnerId, 10, Factory.Clock.GetUtcNow().AddSeconds(61), TimeSpan.FromSeconds(30), [],
            default);
        var claimed = Assert.Single(claim.Jobs);
        await using (var db = Factory.CreateDbContext())
        {
            var job = await db.DeliveryJobs.SingleAsync(j => j.Id == claimed.Id);
            Factory.Clock.Advance(job.LeaseExpiresAt!.Value - Factory.Clock.GetUtcNow());
        }

        await WaitForStatusAsync(id, "APPROVED");
        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
    }

    [Fact]
    public async Task Two_dispatchers_resolve_500_decisions_and_the_downstream_receives_each_exactly_once()
    {
        const int decisions = 500;
        await using var second = Factory.StartDispatcher("dispatcher-b");

        // The first attempt waits a second, so no decision hands its job straight to this host's dispatcher (which
        // would take them all whenever it has a free slot): every job goes through the queue the two share.
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [1, 2]);

        var ids = new Guid[decisions];
        await Parallel.ForAsync(0, decisions, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            ids[i] = await CreateApprovalForAsync(rule);
            await DecideAsync(ids[i], (i % 3) switch { 0 => "approve", 1 => "reject", _ => "cancel" });
        });
        Factory.Clock.Advance(TimeSpan.FromSeconds(1));

        await WaitUntilAsync(async () =>
        {
            await using var db = Factory.CreateDbContext();
            return await db.Approvals.CountAsync(a => ids.Contains(a.Id) && a.Status >= Domain.ApprovalStatus.Approved && a.Status <= Domain.ApprovalStatus.Cancelled) == decisions;
        }, describe: () => "every decision to be delivered");

        await using var check = Factory.CreateDbContext();
        var jobs = await check.DeliveryJobs.Where(j => ids.Contains(j.ApprovalId)).ToListAsync();
        Assert.Equal(decisions, jobs.Count);
        Assert.All(jobs, j => Assert.Equal((DeliveryState.Succeeded, 1), (j.State, j.Attempts)));
        var byOwner = jobs.GroupBy(j => j.LeaseOwner!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["dispatcher-a", "dispatcher-b"], byOwner.Keys.Order());

        var received = await UserService.TimesReceivedAsync();
        var ours = jobs.Select(j => j.Id.ToString()).ToHashSet();
        Assert.Equal(decisions, received.Keys.Count(ours.Contains));
        Assert.All(received.Where(r => ours.Contains(r.Key)), r => Assert.Equal(1, r.Value));
        var resolved = ApprovalEventType.Resolved.ToWireName();
        Assert.Equal(decisions, await check.Events.CountAsync(e => ids.Contains(e.ApprovalId) && e.Actor == "system:dispatcher" && e.Type == resolved));
    }

    [Fact]
    public async Task A_dispatcher_only_process_answers_health_checks_and_no_api()
    {
        await using var host = Factory.StartDispatcher("dispatcher-c");
        var client = host.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", Infrastructure.ApprovalsApiFactory.ApiKey);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/approvals")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/status")).StatusCode);
    }
}
