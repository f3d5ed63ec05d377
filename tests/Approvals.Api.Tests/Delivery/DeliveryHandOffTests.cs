using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Approvals.Api.Tests.Delivery;

/// <summary>A decision made in a process with a running dispatcher hands its jobs straight to it.</summary>
public class DeliveryHandOffTests(DeliveryFixture fixture) : DeliveryTestBase(fixture)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_decision_writes_its_job_leased_to_this_dispatcher_and_sends_it_without_a_notification(bool withIdempotencyKey)
    {
        var rule = await Factory.AddUserServiceRuleAsync(timeoutSeconds: 90);
        var id = await CreateApprovalForAsync(rule);
        await UserService.SetFaultsAsync(delayMs: 600_000);
        var seen = await UserService.RequestsSeenAsync();
        await using var listener = await ListenAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/approvals/{id}/decision")
        {
            Content = JsonContent.Create(new { decision = "approve" }),
        };
        if (withIdempotencyKey)
        {
            request.Headers.Add("Idempotency-Key", $"hand-off-{Guid.NewGuid():N}");
        }

        var decidedAt = Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow());
        var response = await Client.SendAsync(request);
        await AssertStatusAsync(response, HttpStatusCode.Accepted);

        // The response already shows the attempt under way: the job was written claimed, not queued.
        var decided = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var progress = decided["deliveries"]!.AsArray().Single()!;
        Assert.Equal("sending", (string?)progress["state"]);
        Assert.Equal(1, (int?)progress["attempts"]);

        await using (var db = Factory.CreateDbContext())
        {
            var job = await db.DeliveryJobs.SingleAsync(j => j.ApprovalId == id);
            Assert.Equal(DeliveryState.Sending, job.State);
            Assert.Equal(DeliveryFixture.OwnerId, job.LeaseOwner);
            Assert.Equal((1, 1), (job.Attempts, job.ScheduleStep));

            // As the claim leases it: the dispatcher's lease, or the rule's timeout plus the margin when longer.
            Assert.Equal(decidedAt.AddSeconds(90) + DeliveryOptions.LeaseMargin, job.LeaseExpiresAt);
        }

        await WaitUntilAsync(async () => await UserService.RequestsSeenAsync() > seen, describe: () => "the attempt to reach the UserService");
        Assert.False(await listener.WaitAsync(Quiet), "A handed-off job must not wake the other dispatchers.");

        // The handed-off attempt runs its course like a claimed one: it times out, and the retry goes out.
        Factory.Clock.Advance(TimeSpan.FromSeconds(90));
        await WaitUntilAsync(async () => (string?)(await GetDeliveriesAsync(id)).Single()!["state"] == "pending");
        await UserService.SetFaultsAsync(delayMs: 0);
        await WaitForStatusAsync(id, "APPROVED", runSchedule: true);
        await using (var db = Factory.CreateDbContext())
        {
            var job = await db.DeliveryJobs.Include(j => j.AttemptLog).SingleAsync(j => j.ApprovalId == id);
            Assert.Equal((DeliveryState.Succeeded, 2), (job.State, job.Attempts));
            Assert.Equal([1, 2], job.AttemptLog.OrderBy(a => a.Number).Select(a => a.Number));
        }

        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
    }

    [Fact]
    public async Task A_job_whose_first_attempt_is_scheduled_later_is_queued_and_notified_as_before()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [60, 2]);
        var id = await CreateApprovalForAsync(rule);
        await using var listener = await ListenAsync();

        await DecideAsync(id, "approve");

        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10)), "A queued job wakes the dispatchers.");
        await using var db = Factory.CreateDbContext();
        var job = await db.DeliveryJobs.SingleAsync(j => j.ApprovalId == id);
        Assert.Equal((DeliveryState.Pending, 0, 0, (string?)null), (job.State, job.Attempts, job.ScheduleStep, job.LeaseOwner));
        Assert.Equal(Timestamps.ToStoredPrecision(Factory.Clock.GetUtcNow()).AddSeconds(60), job.NextAttemptAt);
    }

    [Fact]
    public async Task Slots_held_by_a_transaction_that_never_commits_are_given_back()
    {
        var dispatcher = Factory.Services.GetRequiredService<DeliveryDispatcher>();
        await using (var rolledBack = Factory.Services.CreateAsyncScope())
        {
            var lease = await ReserveAllSlotsAsync(rolledBack);
            Assert.Equal(new HandOffLease(DeliveryFixture.OwnerId, dispatcher.LeaseDuration), lease);

            await using var other = Factory.Services.CreateAsyncScope();
            Assert.Null(other.ServiceProvider.GetRequiredService<DeliveryHandOff>().TryReserve(1));
        }

        await using (var committedEmpty = Factory.Services.CreateAsyncScope())
        {
            await ReserveAllSlotsAsync(committedEmpty);
            committedEmpty.ServiceProvider.GetRequiredService<DeliveryHandOff>().Committed(); // Nothing was written.
        }

        await using var last = Factory.Services.CreateAsyncScope();
        await ReserveAllSlotsAsync(last);
    }

    /// <summary>Every slot, once the dispatcher's loop is not holding them for a claim of its own.</summary>
    private async Task<HandOffLease> ReserveAllSlotsAsync(AsyncServiceScope scope)
    {
        const int AllSlots = 16;
        var handOff = scope.ServiceProvider.GetRequiredService<DeliveryHandOff>();
        HandOffLease? lease = null;
        await WaitUntilAsync(() => Task.FromResult((lease = handOff.TryReserve(AllSlots)) is not null), describe: () => "every slot to be free");
        return lease!;
    }

    [Fact]
    public async Task A_job_cannot_be_handed_off_without_a_reserved_slot()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var handOff = scope.ServiceProvider.GetRequiredService<DeliveryHandOff>();
        var job = new ClaimedJob(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 1, Domain.ApprovalStatus.Approved, 1, 1, Factory.Clock.GetUtcNow());

        Assert.Throws<InvalidOperationException>(() => handOff.Add(job));
    }

    private async Task<NpgsqlConnection> ListenAsync()
    {
        var connection = new NpgsqlConnection(Factory.ConnectionString);
        await connection.OpenAsync();
        await using var listen = new NpgsqlCommand($"LISTEN {DeliveryNotificationListener.Channel}", connection);
        await listen.ExecuteNonQueryAsync();
        return connection;
    }
}

/// <summary>A dispatcher with one slot, which its first decision's delivery holds.</summary>
public class DeliveryHandOffCapacityTests(SingleSlotDeliveryFixture fixture) : DeliveryTestBase<SingleSlotDeliveryFixture>(fixture)
{
    [Fact]
    public async Task A_decision_with_no_slot_free_queues_its_job_for_a_claim()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var first = await CreateApprovalForAsync(rule);
        var second = await CreateApprovalForAsync(rule);
        await UserService.SetFaultsAsync(delayMs: 600_000);
        var seen = await UserService.RequestsSeenAsync();

        await DecideAsync(first, "approve");
        await WaitUntilAsync(async () => await UserService.RequestsSeenAsync() > seen, describe: () => "the first attempt to reach the UserService");
        await DecideAsync(second, "reject");

        await using (var db = Factory.CreateDbContext())
        {
            var jobs = await db.DeliveryJobs.Where(j => j.ApprovalId == first || j.ApprovalId == second).ToDictionaryAsync(j => j.ApprovalId);
            Assert.Equal((DeliveryState.Sending, DeliveryFixture.OwnerId), (jobs[first].State, jobs[first].LeaseOwner));
            Assert.Equal((DeliveryState.Pending, (string?)null), (jobs[second].State, jobs[second].LeaseOwner));
        }

        // The first attempt times out, which frees the slot for the queued job; the first goes out again later.
        await UserService.SetFaultsAsync(delayMs: 0);
        Factory.Clock.Advance(TimeSpan.FromSeconds(10));
        await WaitForStatusAsync(second, "REJECTED");
        await WaitForStatusAsync(first, "APPROVED", runSchedule: true);
    }
}

/// <summary>A dispatcher that has stopped takes no more decisions' jobs.</summary>
public class DeliveryHandOffShutdownTests(ApiOnlyDeliveryFixture fixture) : DeliveryTestBase<ApiOnlyDeliveryFixture>(fixture)
{
    [Fact]
    public async Task A_stopped_dispatcher_reserves_nothing_and_an_api_only_process_queues_every_job()
    {
        await using var host = Factory.StartDispatcher("dispatcher-stopped");
        var dispatcher = host.Services.GetRequiredService<DeliveryDispatcher>();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var handOff = scope.ServiceProvider.GetRequiredService<DeliveryHandOff>();
            await WaitUntilAsync(() => Task.FromResult(handOff.TryReserve(1) is not null), describe: () => "the dispatcher to start");
        }

        await dispatcher.StopAsync(CancellationToken.None);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            Assert.Null(scope.ServiceProvider.GetRequiredService<DeliveryHandOff>().TryReserve(1));
        }

        // This fixture's API runs no dispatcher of its own: its decisions are queued for whichever dispatcher claims them.
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");
        await using var db = Factory.CreateDbContext();
        var job = await db.DeliveryJobs.SingleAsync(j => j.ApprovalId == id);
        Assert.Equal((DeliveryState.Pending, (string?)null), (job.State, job.LeaseOwner));
    }
}
