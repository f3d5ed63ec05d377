using Approvals.Api.Tests.Delivery;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Messaging;

/// <summary>
/// Worker processes on the delivery queue (<c>--role worker</c>), with the API taking no deliveries itself: several
/// share the queue; a worker killed mid-delivery leaves its message to another, and the downstream sees one effect;
/// a message its workers keep dying on is dead-lettered once it has come back unfinished more often than the
/// delivery limit (2 here) and its job fails with
/// <c>delivery.poisoned</c>, visibly, instead of being lost or retried forever.
/// </summary>
public sealed class BrokerWorkerTests(ApiOnlyBrokerFixture fixture) : DeliveryTestBase<ApiOnlyBrokerFixture>(fixture)
{
    [Fact]
    public async Task Two_workers_share_the_queue_and_every_decision_is_delivered_once()
    {
        await using var first = Factory.StartWorker();
        await using var second = Factory.StartWorker();
        var rule = await Factory.AddUserServiceRuleAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add(await CreateApprovalForAsync(rule));
        }

        await Task.WhenAll(ids.Select(id => DecideAsync(id, "approve")));
        foreach (var id in ids)
        {
            await WaitForStatusAsync(id, "APPROVED");
            Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
        }

        Assert.Equal(40, first.Worker.AttemptsMade + second.Worker.AttemptsMade);
        Assert.True(first.Worker.AttemptsMade > 0 && second.Worker.AttemptsMade > 0,
            $"both workers take messages ({first.Worker.AttemptsMade} and {second.Worker.AttemptsMade})");
    }

    [Fact]
    public async Task A_message_its_workers_keep_dying_on_is_dead_lettered_and_its_job_fails_as_poisoned()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await UserService.SetFaultsAsync(delayMs: 60_000);
        await DecideAsync(id, "approve");

        // Worker after worker takes the message and goes away in the middle of the attempt, until the broker gives
        // up on it: once it has come back unfinished more often than the delivery limit.
        var crashes = 0;
        while ((string)(await GetApprovalAsync(id))["status"]! != "ERROR")
        {
            Assert.True(crashes <= Factory.DeliveryLimit + 1, $"still not dead-lettered after {crashes} crashed deliveries");
            var seen = await UserService.RequestsSeenAsync();
            await using var worker = Factory.StartWorker();
            await WaitUntilAsync(async () => await UserService.RequestsSeenAsync() > seen || (string)(await GetApprovalAsync(id))["status"]! == "ERROR",
                describe: () => "a worker's attempt to reach UserService, or the job's failure");
            if (await UserService.RequestsSeenAsync() > seen)
            {
                crashes++;
            }
        }

        Assert.Equal(Factory.DeliveryLimit + 1, crashes);
        await UserService.ResetFaultsAsync();
        await using var survivor = Factory.StartWorker();
        var approval = await GetApprovalAsync(id);
        Assert.Equal(ErrorCodes.DeliveryPoisoned, (string)approval["lastError"]!["code"]!);
        var job = approval["deliveries"]![0]!;
        Assert.Equal("failed", (string)job["state"]!);
        Assert.Equal(1, (int)job["attempts"]!);
        Assert.Contains(await GetHistoryAsync(id), e => (string)e!["type"]! == "approval.delivery_failed" && (string)e["details"]!["errorCode"]! == ErrorCodes.DeliveryPoisoned);
        Assert.Equal(0, await Factory.Broker.QueueMessageCountAsync(Factory.VirtualHost, Api.Messaging.RabbitMqTopology.DeadLetterQueue));

        // Visible and recoverable: a redelivery sends it again.
        var redelivered = await Client.PostAsync($"/api/v1/approvals/{id}/deliveries/{(string)job["jobId"]!}/retry", null);
        Assert.True(redelivered.IsSuccessStatusCode, await redelivered.Content.ReadAsStringAsync());
        await WaitForStatusAsync(id, "APPROVED");
        Assert.Equal(1, Assert.Single(await UserService.TimesReceivedAsync(id)).Value);
    }

    [Fact]
    public async Task A_worker_process_killed_mid_delivery_leaves_its_message_to_another_and_the_downstream_records_the_decision_once()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await UserService.SetFaultsAsync(delayMs: 3_000);
        var seen = await UserService.RequestsSeenAsync();
        using var process = WorkerProcess.Start(Factory.ConnectionString, BrokerFixture.BrokerSettings(Factory.BrokerUri, Factory.DeliveryLimit));
        try
        {
            await DecideAsync(id, "approve");
            await WaitUntilAsync(async () => await UserService.RequestsSeenAsync() > seen || process.HasExited,
                describe: () => "the worker process's attempt to reach UserService");
            Assert.False(process.HasExited, $"the worker process ended early: {process.Errors}");
        }
        finally
        {
            await process.KillAsync(); // SIGKILL: no shutdown, no acknowledgement, no hand-back
        }

        await UserService.ResetFaultsAsync();
        await using var survivor = Factory.StartWorker();
        var approval = await WaitForStatusAsync(id, "APPROVED");
        Assert.Equal("succeeded", (string)approval["deliveries"]![0]!["state"]!);
        var received = Assert.Single(await UserService.TimesReceivedAsync(id)); // one webhook id: one effect
        Assert.Equal((string)approval["deliveries"]![0]!["jobId"]!, received.Key);
        await using var db = Factory.CreateDbContext();
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == id && e.Type == "approval.resolved"));
    }
}
