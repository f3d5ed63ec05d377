using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Delivery;

public class DeliveryFailureTests(DeliveryFixture fixture) : DeliveryTestBase(fixture)
{
    [Fact]
    public async Task An_unusable_url_puts_the_approval_in_error_and_a_new_decision_after_fixing_the_rule_is_delivered()
    {
        var rule = await Factory.AddServiceRuleAsync($"invalid-{Guid.NewGuid():N}", "INVALID URL");
        var id = await CreateApprovalForAsync(rule);

        await DecideAsync(id, "approve");
        var failed = await WaitForStatusAsync(id, "ERROR");

        Assert.Equal("ACKNOWLEDGED_APPROVED", (string?)failed["previousStatus"]);
        Assert.Equal("first", (string?)failed["comment"]);
        Assert.Equal(ErrorCodes.DeliveryInvalidUrl, (string?)failed["lastError"]!["code"]);
        Assert.Equal(rule, (int?)failed["lastError"]!["serviceRule"]);
        Assert.Contains($"Service rule {rule}", (string?)failed["lastError"]!["message"]);
        await AssertListedWithSameErrorAsync(failed);
        var job = (await GetDeliveriesAsync(id)).Single()!;
        Assert.Equal("failed", (string?)job["state"]);
        Assert.Null(job["attemptLog"]![0]!["httpStatus"]);

        var fix = await Client.PutAsJsonAsync($"/api/v1/service-rules/{rule}", new { name = $"fixed-{Guid.NewGuid():N}", url = UserService.ApprovalUrl, apiKey = "usersvcapikey" });
        await AssertStatusAsync(fix, System.Net.HttpStatusCode.OK);
        await using (var db = Factory.CreateDbContext())
        {
            // The rule's secret is write-once through the API; give it the one the UserService expects.
            await db.ServiceRules.Where(r => r.Id == rule).ExecuteUpdateAsync(s => s.SetProperty(r => r.SigningSecret, Testing.UserServiceServer.SigningSecret));
        }

        await DecideAsync(id, "approve");
        var delivered = await WaitForStatusAsync(id, "APPROVED");

        Assert.Null(delivered["lastError"]);
        var jobs = await GetDeliveriesAsync(id);
        Assert.Equal([false, true], jobs.Select(j => (bool)j!["current"]!));
        Assert.Equal(["failed", "succeeded"], jobs.Select(j => (string)j!["state"]!));
        Assert.Equal(3, (int?)(await UserService.ReceivedAsync(id))!["status"]);
    }

    [Fact]
    public async Task Two_server_errors_then_success_makes_three_attempts_on_schedule_and_a_final_status()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [0, 2, 10]);
        var id = await CreateApprovalForAsync(rule);
        await UserService.SetFaultsAsync(failNextRequests: 2, failStatus: 500);

        await DecideAsync(id, "reject");

        // The clock stands still between steps, so each failure's next attempt is exactly the schedule plus jitter.
        var afterFirst = await WaitForAttemptsAsync(id, 1);
        Assert.InRange((afterFirst.NextAttemptAt - afterFirst.LastStartedAt).TotalSeconds, 2, 2.4);
        await AdvanceToNextAttemptAsync(id);
        var afterSecond = await WaitForAttemptsAsync(id, 2);
        Assert.InRange((afterSecond.NextAttemptAt - afterSecond.LastStartedAt).TotalSeconds, 10, 12);
        var approval = await WaitForStatusAsync(id, "REJECTED", runSchedule: true);

        var attempts = (await GetDeliveriesAsync(id)).Single()!["attemptLog"]!.AsArray();
        Assert.Equal([500, 500, 200], attempts.Select(a => (int)a!["httpStatus"]!));
        Assert.Equal("HTTP 500 Internal Server Error", (string?)attempts[0]!["error"]);
        Assert.Contains("fault.injected", (string?)attempts[0]!["responseExcerpt"]);
        Assert.Equal(3, (int?)approval["deliveries"]![0]!["attempts"]);
        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
    }

    /// <summary>Waits until the approval's only job has made <paramref name="attempts"/> attempts and waits for the next.</summary>
    private async Task<(DateTimeOffset NextAttemptAt, DateTimeOffset LastStartedAt)> WaitForAttemptsAsync(Guid id, int attempts)
    {
        JsonNode? job = null;
        await WaitUntilAsync(async () =>
        {
            job = (await GetDeliveriesAsync(id)).Single();
            return (int?)job!["attempts"] == attempts && (string?)job["state"] == "pending" && job["attemptLog"]!.AsArray().Count == attempts;
        }, describe: () => $"attempt {attempts} of {job?.ToJsonString()}");
        return ((DateTimeOffset)job!["nextAttemptAt"]!, (DateTimeOffset)job["attemptLog"]![attempts - 1]!["startedAt"]!);
    }

    [Fact]
    public async Task A_service_down_for_longer_than_the_retry_budget_puts_the_approval_in_error()
    {
        var rule = await Factory.AddServiceRuleAsync($"down-{Guid.NewGuid():N}", "http://127.0.0.1:9/approval");
        await using (var db = Factory.CreateDbContext())
        {
            await db.ServiceRules.Where(r => r.Id == rule).ExecuteUpdateAsync(s => s.SetProperty(r => r.RetrySchedule, new[] { 0, 1, 3 }));
        }

        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "cancel");

        // While retries are pending the approval stays ACKNOWLEDGED and shows the next attempt.
        JsonObject waiting = null!;
        await WaitUntilAsync(async () =>
        {
            waiting = await GetApprovalAsync(id);
            return (string?)waiting["deliveries"]![0]!["state"] == "pending" && (int?)waiting["deliveries"]![0]!["attempts"] == 1;
        });
        Assert.Equal("ACKNOWLEDGED_CANCELLED", (string?)waiting["status"]);
        Assert.Equal("pending", (string?)waiting["deliveries"]![0]!["state"]);
        Assert.NotNull(waiting["deliveries"]![0]!["nextAttemptAt"]);
        Assert.Contains("Connection failed", (string?)waiting["deliveries"]![0]!["lastError"]);

        var failed = await WaitForStatusAsync(id, "ERROR", runSchedule: true);
        Assert.Equal(ErrorCodes.DeliveryRetriesExhausted, (string?)failed["lastError"]!["code"]);
        Assert.Equal("ACKNOWLEDGED_CANCELLED", (string?)failed["previousStatus"]);
        Assert.Equal(3, (await GetDeliveriesAsync(id)).Single()!["attemptLog"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_service_slower_than_the_timeout_is_retried_and_counted_once()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [0, 2], timeoutSeconds: 1);
        var id = await CreateApprovalForAsync(rule);
        await UserService.SetFaultsAsync(delayMs: 60_000);
        var seen = await UserService.RequestsSeenAsync();

        await DecideAsync(id, "approve");
        await WaitUntilAsync(async () => await UserService.RequestsSeenAsync() > seen);
        Factory.Clock.Advance(TimeSpan.FromSeconds(1)); // The dispatcher gives up; the UserService is still "working".
        await WaitUntilAsync(async () => (string?)(await GetDeliveriesAsync(id)).Single()!["state"] == "pending");
        await UserService.SetFaultsAsync(delayMs: 0);
        await WaitForStatusAsync(id, "APPROVED", runSchedule: true);

        var attempts = (await GetDeliveriesAsync(id)).Single()!["attemptLog"]!.AsArray();
        Assert.Contains("timeout", (string?)attempts[0]!["error"]);
        Assert.Null(attempts[0]!["httpStatus"]);
        Assert.Equal(200, (int?)attempts[1]!["httpStatus"]);
        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
    }

    [Fact]
    public async Task A_different_status_already_recorded_downstream_is_adopted()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        var earlier = await UserService.Client.SendAsync(UserService.CreateDelivery(id, (int)ApprovalStatus.Rejected));
        earlier.EnsureSuccessStatusCode();

        await DecideAsync(id, "approve");
        var approval = await WaitForStatusAsync(id, "REJECTED");

        Assert.Equal("ACKNOWLEDGED_APPROVED", (string?)approval["previousStatus"]);
        Assert.Equal("REJECTED", (string?)approval["deliveries"]![0]!["reportedStatus"]);
        var job = (await GetDeliveriesAsync(id)).Single()!;
        Assert.Equal("APPROVED", (string?)job["requestedStatus"]);
        Assert.Equal("REJECTED", (string?)job["reportedStatus"]);
    }

    [Fact]
    public async Task Services_that_record_different_statuses_put_the_approval_in_error()
    {
        await using var other = await Testing.UserServiceServer.StartAsync(Factory.Clock);
        var first = await Factory.AddUserServiceRuleAsync();
        var second = await Factory.AddUserServiceRuleAsync(target: other);
        var id = await CreateApprovalForAsync(first, second);
        (await other.Client.SendAsync(other.CreateDelivery(id, (int)ApprovalStatus.Cancelled))).EnsureSuccessStatusCode();

        await DecideAsync(id, "approve");
        var approval = await WaitForStatusAsync(id, "ERROR");

        Assert.Equal(ErrorCodes.DeliveryTargetsDisagree, (string?)approval["lastError"]!["code"]);
        Assert.Null(approval["lastError"]!["serviceRule"]);
        await AssertListedWithSameErrorAsync(approval);
        Assert.Equal(["APPROVED", "CANCELLED"], approval["deliveries"]!.AsArray().Select(d => (string)d!["reportedStatus"]!));
        Assert.All(approval["deliveries"]!.AsArray(), d => Assert.Equal("succeeded", (string?)d!["state"]));
    }

    /// <summary>The list (read through EF Core) shows the error the delivery wrote as the single read does.</summary>
    private async Task AssertListedWithSameErrorAsync(JsonObject approval)
    {
        var page = await ReadObjectAsync(await Client.GetAsync("/api/v1/approvals?status=ERROR&limit=100"));
        var listed = page["items"]!.AsArray().Single(a => (string?)a!["id"] == (string?)approval["id"])!;
        Assert.Equal(approval["lastError"]!.ToJsonString(), listed["lastError"]!.ToJsonString());
    }
}
