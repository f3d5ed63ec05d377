using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace UserService.Tests;

public class FaultSwitchTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>, IAsyncLifetime
{
    public async Task InitializeAsync() => await fixture.Server.ResetFaultsAsync();

    public async Task DisposeAsync() => await fixture.Server.ResetFaultsAsync();

    [Fact]
    public async Task The_next_N_deliveries_fail_with_the_chosen_status_then_it_recovers()
    {
        var approvalId = Guid.NewGuid();
        await fixture.Server.SetFaultsAsync(failNextRequests: 2, failStatus: 500);

        var first = await fixture.Server.Client.SendAsync(fixture.Delivery(approvalId, 3));
        var second = await fixture.Server.Client.SendAsync(fixture.Delivery(approvalId, 3));
        Assert.Null(await fixture.Server.ReceivedAsync(approvalId));
        var third = await fixture.Server.Client.SendAsync(fixture.Delivery(approvalId, 3));

        await ApprovalReceiverTests.AssertProblemAsync(first, 500, "fault.injected");
        await ApprovalReceiverTests.AssertProblemAsync(second, 500, "fault.injected");
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(1, (int?)(await fixture.Server.ReceivedAsync(approvalId))!["receivedCount"]);
    }

    [Fact]
    public async Task A_delay_holds_the_answer_until_the_clock_moves()
    {
        var approvalId = Guid.NewGuid();
        await fixture.Server.SetFaultsAsync(delayMs: 5_000);
        var seenBefore = await fixture.Server.RequestsSeenAsync();

        var pending = fixture.Server.Client.SendAsync(fixture.Delivery(approvalId, 3));
        await WaitUntilAsync(async () => await fixture.Server.RequestsSeenAsync() > seenBefore);
        await Task.Delay(100);
        Assert.False(pending.IsCompleted);

        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        var response = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_switch_needs_the_api_key_and_valid_values()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        await ApprovalReceiverTests.AssertProblemAsync(await anonymous.PutAsJsonAsync("/admin/faults", new { failNextRequests = 1 }), 401, "auth.unauthenticated");
        await ApprovalReceiverTests.AssertProblemAsync(await anonymous.GetAsync("/admin/faults"), 401, "auth.unauthenticated");

        var badStatus = await fixture.Server.Client.PutAsJsonAsync("/admin/faults", new { failStatus = 200 });
        await ApprovalReceiverTests.AssertProblemAsync(badStatus, 400, "request.validation_failed");
        var state = (await fixture.Server.Client.GetFromJsonAsync<JsonObject>("/admin/faults"))!;
        Assert.Equal(503, (int?)state["failStatus"]);
        Assert.Equal(0, (int?)state["failNextRequests"]);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting.");
            await Task.Delay(20);
        }
    }
}
