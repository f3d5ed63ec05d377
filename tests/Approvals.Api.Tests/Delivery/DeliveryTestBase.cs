using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Delivery;

/// <summary>Arrange and wait helpers for tests that watch decisions travel to the UserService.</summary>
public abstract class DeliveryTestBase<TFixture>(TFixture fixture) : ApiTestBase<TFixture>(fixture), IAsyncLifetime
    where TFixture : DeliveryFixture
{
    private static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(60);

    protected global::Approvals.Testing.UserServiceServer UserService => Factory.UserService;

    public virtual async Task InitializeAsync() => await UserService.ResetFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected async Task<Guid> CreateApprovalForAsync(params int[] serviceRules) =>
        Guid.Parse((string)(await CreateApprovalAsync("Delivered decision", serviceRules))["id"]!);

    protected async Task<JsonObject> DecideAsync(Guid id, string decision)
    {
        var response = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision });
        await AssertStatusAsync(response, HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    protected async Task<JsonObject> GetApprovalAsync(Guid id) =>
        (await Client.GetFromJsonAsync<JsonObject>($"/api/v1/approvals/{id}"))!;

    protected async Task<JsonArray> GetDeliveriesAsync(Guid id) =>
        (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/deliveries"))!;

    protected async Task<JsonArray> GetHistoryAsync(Guid id) =>
        (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{id}/history"))!;

    /// <summary>
    /// Polls until the approval reaches <paramref name="status"/>. With <paramref name="runSchedule"/>, each poll
    /// moves the shared fake clock to the approval's next scheduled attempt, so retry schedules play out at once.
    /// </summary>
    protected async Task<JsonObject> WaitForStatusAsync(Guid id, string status, bool runSchedule = false)
    {
        JsonObject? approval = null;
        await WaitUntilAsync(async () =>
        {
            approval = await GetApprovalAsync(id);
            return (string?)approval["status"] == status;
        }, runSchedule ? id : null, () => $"approval {id} to reach {status}; it is {approval?.ToJsonString()}");
        return approval!;
    }

    /// <param name="runScheduleOf">An approval whose retry schedule is played out while waiting.</param>
    protected async Task WaitUntilAsync(Func<Task<bool>> condition, Guid? runScheduleOf = null, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + RealTimeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {describe?.Invoke() ?? "the condition"}.");
            if (runScheduleOf is { } id)
            {
                await AdvanceToNextAttemptAsync(id);
            }

            await Task.Delay(25);
        }
    }

    /// <summary>
    /// Moves the fake clock exactly to the approval's next scheduled attempt. Never while one of its attempts is in
    /// flight: moving time then would run out that attempt's timeout, which is not what the test is about.
    /// </summary>
    protected async Task AdvanceToNextAttemptAsync(Guid id)
    {
        await using var db = Factory.CreateDbContext();
        var open = await db.DeliveryJobs
            .Where(j => j.ApprovalId == id && (j.State == DeliveryState.Pending || j.State == DeliveryState.Sending))
            .Select(j => new { j.State, j.NextAttemptAt })
            .ToListAsync();
        if (open.Count == 0 || open.Any(j => j.State == DeliveryState.Sending))
        {
            return;
        }

        var wait = open.Min(j => j.NextAttemptAt) - Factory.Clock.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            Factory.Clock.Advance(wait);
        }
    }
}

/// <summary>Delivery tests against the API with its own dispatcher running.</summary>
public abstract class DeliveryTestBase(DeliveryFixture fixture) : DeliveryTestBase<DeliveryFixture>(fixture);
