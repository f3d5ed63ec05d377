using System.Text.Json.Nodes;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Delivery;

public class DeliveryHappyPathTests(DeliveryFixture fixture) : DeliveryTestBase(fixture)
{
    [Theory]
    [InlineData("approve", "APPROVED", "ACKNOWLEDGED_APPROVED", 3)]
    [InlineData("reject", "REJECTED", "ACKNOWLEDGED_REJECTED", 4)]
    [InlineData("cancel", "CANCELLED", "ACKNOWLEDGED_CANCELLED", 5)]
    public async Task A_decision_reaches_the_user_service_and_the_approval_becomes_final(
        string decision, string final, string acknowledged, int number)
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);

        var decided = await DecideAsync(id, decision);
        var approval = await WaitForStatusAsync(id, final);

        Assert.Equal(acknowledged, (string?)decided["status"]);
        Assert.Equal(acknowledged, (string?)approval["previousStatus"]);
        Assert.Equal("first", (string?)approval["comment"]);
        Assert.Null(approval["lastError"]);
        var progress = approval["deliveries"]!.AsArray().Single()!;
        Assert.Equal("succeeded", (string?)progress["state"]);
        Assert.Equal(final, (string?)progress["reportedStatus"]);
        Assert.Equal(1, (int?)progress["attempts"]);

        // The UserService verified the signature (it refuses unsigned deliveries) and recorded one delivery.
        var received = (await UserService.ReceivedAsync(id))!;
        Assert.Equal(number, (int?)received["status"]);
        Assert.Equal(1, (int?)received["receivedCount"]);
        Assert.Equal(1, (await UserService.TimesReceivedAsync(id)).Single().Value);

        var last = (await GetHistoryAsync(id)).Last()!;
        Assert.Equal("system:dispatcher", (string?)last["actor"]);
        Assert.Equal("status_changed", (string?)last["action"]);
        Assert.Equal(acknowledged, (string?)last["fromStatus"]);
        Assert.Equal(final, (string?)last["toStatus"]);
    }

    [Fact]
    public async Task The_attempt_log_shows_the_call_and_the_webhook_id_is_the_job_id()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");
        await WaitForStatusAsync(id, "APPROVED");

        var job = (await GetDeliveriesAsync(id)).Single()!;
        Assert.True((bool?)job["current"]);
        Assert.Equal("APPROVED", (string?)job["requestedStatus"]);
        Assert.Equal(DeliveryFixture.OwnerId, (string?)job["leaseOwner"]);
        var attempt = job["attemptLog"]!.AsArray().Single()!;
        Assert.Equal(1, (int?)attempt["number"]);
        Assert.Equal(200, (int?)attempt["httpStatus"]);
        Assert.Null(attempt["error"]);
        var excerpt = JsonNode.Parse((string)attempt["responseExcerpt"]!)!;
        Assert.Equal(id.ToString(), (string?)excerpt["id"]);
        Assert.Equal(0, (int?)excerpt["error_code"]);

        Assert.Equal([(string)job["id"]!], (await UserService.TimesReceivedAsync(id)).Keys);
    }

    [Fact]
    public async Task Every_service_rule_must_accept_before_the_approval_is_final()
    {
        var first = await Factory.AddUserServiceRuleAsync();
        var second = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(first, second);

        await DecideAsync(id, "approve");
        var approval = await WaitForStatusAsync(id, "APPROVED");

        Assert.Equal([first, second], approval["deliveries"]!.AsArray().Select(d => (int)d!["serviceRule"]!));
        Assert.All(approval["deliveries"]!.AsArray(), d => Assert.Equal("succeeded", (string?)d!["state"]));
        Assert.Equal(2, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
        await using var db = Factory.CreateDbContext();
        var resolved = ApprovalEventType.Resolved.ToWireName();
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == id && e.Actor == "system:dispatcher" && e.Type == resolved));
    }

    [Fact]
    public async Task The_default_factory_runs_no_dispatcher()
    {
        var plain = new Infrastructure.ApprovalsApiFactory();
        await plain.InitializeAsync();
        try
        {
            var client = plain.CreateAuthenticatedClient();
            var rule = await plain.AddServiceRuleAsync("reachable", UserService.ApprovalUrl);
            var created = await client.PostAsync("/api/v1/approvals", Json(Serialize(new { title = "t", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } })));
            var id = Guid.Parse((string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!);
            await client.PostAsync($"/api/v1/approvals/{id}/decision", Json("""{"decision":"approve"}"""));
            await Task.Delay(500);

            await using var db = plain.CreateDbContext();
            Assert.Equal(DeliveryState.Pending, (await db.DeliveryJobs.SingleAsync(j => j.ApprovalId == id)).State);
            Assert.Null(await UserService.ReceivedAsync(id));
        }
        finally
        {
            await plain.DisposeAsync();
        }
    }
}
