using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Delivery;

public class DeliveryRetryTests(DeliveryFixture fixture) : DeliveryTestBase(fixture)
{
    [Fact]
    public async Task When_one_of_two_services_fails_the_approval_is_in_error_and_a_retry_of_that_job_completes_it()
    {
        var working = await Factory.AddUserServiceRuleAsync();
        var broken = await Factory.AddUserServiceRuleAsync(path: "/no-such-endpoint");
        var id = await CreateApprovalForAsync(working, broken);

        await DecideAsync(id, "approve");
        await WaitForStatusAsync(id, "ERROR");

        // ERROR comes as soon as one job fails for good; the other job still completes and its success is kept.
        JsonObject failed = null!;
        await WaitUntilAsync(async () =>
        {
            failed = await GetApprovalAsync(id);
            return (string?)failed["deliveries"]![0]!["state"] == "succeeded";
        });
        Assert.Equal("ERROR", (string?)failed["status"]);
        Assert.Equal(ErrorCodes.DeliveryRejected, (string?)failed["lastError"]!["code"]);
        Assert.Equal(broken, (int?)failed["lastError"]!["serviceRule"]);
        Assert.Contains("HTTP 404", (string?)failed["lastError"]!["message"]);
        Assert.Equal("first", (string?)failed["comment"]);
        var progress = failed["deliveries"]!.AsArray();
        Assert.Equal(["succeeded", "failed"], progress.Select(d => (string)d!["state"]!));
        Assert.Equal("APPROVED", (string?)progress[0]!["reportedStatus"]);

        var succeededJob = (string)progress[0]!["jobId"]!;
        var failedJob = (string)progress[1]!["jobId"]!;
        await AssertProblemAsync(await RetryAsync(id, succeededJob), 409, ErrorCodes.DeliveryNotRetryable);
        await AssertProblemAsync(await RetryAsync(id, Guid.NewGuid().ToString()), 404, ErrorCodes.DeliveryJobNotFound);
        await AssertProblemAsync(await RetryAsync(id, "not-a-uuid"), 400, ErrorCodes.ValidationFailed);

        await using (var db = Factory.CreateDbContext())
        {
            var fixedUrl = new Uri(UserService.BaseAddress, "/approval").ToString();
            await db.ServiceRules.Where(r => r.Id == broken).ExecuteUpdateAsync(s => s.SetProperty(r => r.Url, fixedUrl));
        }

        var retried = await RetryAsync(id, failedJob);
        await AssertStatusAsync(retried, HttpStatusCode.Accepted);
        Assert.Equal("ACKNOWLEDGED_APPROVED", (string?)(await retried.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
        var approved = await WaitForStatusAsync(id, "APPROVED");

        Assert.Null(approved["lastError"]);
        var jobs = await GetDeliveriesAsync(id);
        Assert.Equal([1, 2], jobs.Select(j => (int)j!["attempts"]!));
        Assert.Equal([404, 200], jobs[1]!["attemptLog"]!.AsArray().Select(a => (int)a!["httpStatus"]!));
        Assert.All((await UserService.TimesReceivedAsync(id)).Values, times => Assert.Equal(1, times));

        // Each job's outcome is an event of its own, between the status changes.
        var history = await GetHistoryAsync(id);
        Assert.Equal(
            [$"delivery_failed {failedJob}", $"delivery_succeeded {failedJob}"],
            history.Where(h => ((string)h!["type"]!).StartsWith("approval.delivery_", StringComparison.Ordinal)
                    && (string?)h["details"]!["jobId"] == failedJob)
                .Select(h => $"{h!["action"]} {h["details"]!["jobId"]}"));
        var statusChanges = history.Where(h => !((string)h!["type"]!).StartsWith("approval.delivery_", StringComparison.Ordinal)).ToList();
        var tail = statusChanges.Skip(statusChanges.Count - 3).Select(h => $"{h!["actor"]} {h["action"]} {h["fromStatus"]}->{h["toStatus"]}").ToList();
        Assert.Equal(
        [
            "system:dispatcher status_changed ACKNOWLEDGED_APPROVED->ERROR",
            "client:test redelivered ERROR->ACKNOWLEDGED_APPROVED",
            "system:dispatcher status_changed ACKNOWLEDGED_APPROVED->APPROVED",
        ], tail);

        // The redelivered entry names the job as the history did before events, next to the cleared error.
        var redelivered = statusChanges[^2]!["changes"]!;
        Assert.Equal(failedJob, (string?)redelivered["retriedJob"]!["new"]);
        Assert.Null(redelivered["retriedJob"]!["old"]);
        Assert.Null(redelivered["lastError"]!["new"]);

        await AssertProblemAsync(await RetryAsync(id, failedJob), 409, ErrorCodes.InvalidTransition);
    }

    [Fact]
    public async Task Retry_needs_an_existing_approval_and_an_approval_in_error()
    {
        await AssertProblemAsync(await RetryAsync(Guid.NewGuid(), Guid.NewGuid().ToString()), 404, ErrorCodes.ApprovalNotFound);

        var id = await CreateApprovalForAsync(await Factory.AddUserServiceRuleAsync(retrySchedule: [3600]));
        var acknowledged = await DecideAsync(id, "approve");
        var job = (string)acknowledged["deliveries"]![0]!["jobId"]!;
        await AssertProblemAsync(await RetryAsync(id, job), 409, ErrorCodes.InvalidTransition);
    }

    [Fact]
    public async Task A_new_decision_after_error_supersedes_the_old_jobs_and_none_of_them_is_sent_afterwards()
    {
        var refusing = await Factory.AddUserServiceRuleAsync(path: "/no-such-endpoint");
        var flaky = await Factory.AddUserServiceRuleAsync(retrySchedule: [0, 30]);
        var id = await CreateApprovalForAsync(refusing, flaky);
        await UserService.SetFaultsAsync(failNextRequests: 1, failStatus: 503);

        await DecideAsync(id, "approve");
        var failed = await WaitForStatusAsync(id, "ERROR");
        await WaitUntilAsync(async () =>
        {
            var flakyJob = (await GetDeliveriesAsync(id))[1]!;
            return (string?)flakyJob["state"] == "pending" && (int?)flakyJob["attempts"] == 1;
        });
        var staleJob = Guid.Parse((string)(await GetDeliveriesAsync(id))[1]!["id"]!);
        Assert.Equal(refusing, (int?)failed["lastError"]!["serviceRule"]);

        // The user drops the refusing service and decides differently while the flaky one's retry is still queued.
        var edit = await Client.PatchAsync($"/api/v1/approvals/{id}", Json(Serialize(new { serviceRules = new[] { flaky } })));
        await AssertStatusAsync(edit, HttpStatusCode.OK);
        await DecideAsync(id, "reject");
        var rejected = await WaitForStatusAsync(id, "REJECTED");

        // Let the stale job's retry time pass: it must stay superseded and unsent.
        Factory.Clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(500);
        await using var db = Factory.CreateDbContext();
        var stale = await db.DeliveryJobs.Include(j => j.AttemptLog).SingleAsync(j => j.Id == staleJob);
        Assert.Equal(DeliveryState.Superseded, stale.State);
        Assert.Single(stale.AttemptLog);
        Assert.Equal(503, stale.AttemptLog[0].HttpStatus);

        // The downstream only ever accepted the new decision: had the stale approve gone out, it would have won.
        var received = (await UserService.ReceivedAsync(id))!;
        Assert.Equal((int)ApprovalStatus.Rejected, (int?)received["status"]);
        Assert.Equal(1, (int?)received["receivedCount"]);
        Assert.DoesNotContain(staleJob.ToString(), (await UserService.TimesReceivedAsync(id)).Keys);
        Assert.Equal("succeeded", (string?)rejected["deliveries"]!.AsArray().Single()!["state"]);
    }

    private Task<HttpResponseMessage> RetryAsync(Guid id, string jobId) =>
        Client.PostAsync($"/api/v1/approvals/{id}/deliveries/{jobId}/retry", null);
}
