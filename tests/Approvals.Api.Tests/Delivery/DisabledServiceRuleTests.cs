using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Messaging;
using Approvals.Domain;

namespace Approvals.Api.Tests.Delivery;

/// <summary>
/// A job whose service rule was disabled after the decision queued it: nothing is sent (as Svix sends nothing to a
/// disabled endpoint), the job fails with <c>delivery.rule_disabled</c> through the aggregate, so the approval goes to
/// ERROR rather than waiting for ever; it cannot be redelivered while the rule stays disabled (409
/// <c>service_rule.disabled</c>, nothing changed), and once the rule is enabled again a redelivery delivers it. The
/// same on both transports.
/// </summary>
public abstract class DisabledServiceRuleScenario<TFixture>(TFixture fixture) : DeliveryTestBase<TFixture>(fixture)
    where TFixture : DeliveryFixture
{
    /// <summary>Starts what delivers on this transport (the API itself delivers nothing).</summary>
    protected abstract IAsyncDisposable StartDelivering();

    [Fact]
    public async Task A_job_whose_rule_was_disabled_after_the_decision_fails_unsent_and_is_delivered_once_the_rule_is_enabled_again()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");
        await SetEnabledAsync(rule, false);
        var seen = await UserService.RequestsSeenAsync();

        JsonObject failed;
        await using (StartDelivering())
        {
            failed = await WaitForStatusAsync(id, "ERROR");
        }

        Assert.Equal(ErrorCodes.DeliveryRuleDisabled, (string?)failed["lastError"]!["code"]);
        Assert.Equal(rule, (int?)failed["lastError"]!["serviceRule"]);
        var job = (await GetDeliveriesAsync(id)).Single()!;
        Assert.Equal("failed", (string?)job["state"]);
        var attempt = job["attemptLog"]!.AsArray().Single()!;
        Assert.Null(attempt["httpStatus"]);
        Assert.Equal($"Not sent: service rule {rule} is disabled.", (string?)attempt["error"]);
        Assert.Equal(seen, await UserService.RequestsSeenAsync());
        Assert.Null(await UserService.ReceivedAsync(id));
        Assert.Contains(await GetHistoryAsync(id), e => (string?)e!["type"] == "approval.delivery_failed" && (string?)e["details"]!["errorCode"] == ErrorCodes.DeliveryRuleDisabled);

        var retry = $"/api/v1/approvals/{id}/deliveries/{(string)failed["deliveries"]![0]!["jobId"]!}/retry";
        var before = await SnapshotAsync();
        await AssertProblemAsync(await Client.PostAsync(retry, null), 409, ErrorCodes.ServiceRuleDisabled);
        before.AssertUnchanged(await SnapshotAsync(), "a redelivery while the rule is disabled");

        await SetEnabledAsync(rule, true);
        await using (StartDelivering())
        {
            await AssertStatusAsync(await Client.PostAsync(retry, null), HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "APPROVED");
        }

        Assert.Equal(1, (int?)(await UserService.ReceivedAsync(id))!["receivedCount"]);
    }

    /// <summary>Disables or enables the rule through the API, as an admin does (PUT with its name and URL unchanged).</summary>
    private async Task SetEnabledAsync(int rule, bool enabled)
    {
        var current = (await Client.GetFromJsonAsync<JsonObject>($"/api/v1/service-rules/{rule}"))!;
        var response = await Client.PutAsJsonAsync($"/api/v1/service-rules/{rule}", new
        {
            name = (string)current["name"]!,
            url = (string)current["url"]!,
            enabled,
            retrySchedule = current["retrySchedule"],
        });
        await AssertStatusAsync(response, HttpStatusCode.OK);
    }
}

/// <summary>On the postgres transport: the job waits in the outbox while no dispatcher runs, then a dispatcher takes it.</summary>
public sealed class DisabledServiceRuleTests(ApiOnlyDeliveryFixture fixture) : DisabledServiceRuleScenario<ApiOnlyDeliveryFixture>(fixture)
{
    protected override IAsyncDisposable StartDelivering() => Factory.StartDispatcher($"dispatcher-{Guid.NewGuid():N}");
}

/// <summary>On the rabbitmq transport: the job's message waits in the delivery queue while no worker runs, then a worker takes it.</summary>
public sealed class BrokerDisabledServiceRuleTests(ApiOnlyBrokerFixture fixture) : DisabledServiceRuleScenario<ApiOnlyBrokerFixture>(fixture)
{
    protected override IAsyncDisposable StartDelivering() => Factory.StartWorker();
}
