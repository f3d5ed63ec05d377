using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Approvals.Api.Tests.Events;

/// <summary>
/// <c>wait</c>: an empty page waits for events. A request waiting while an approval changes answers with the event
/// promptly (within 100 ms of the change's response, typically), whichever path committed it and whether this process or another one did;
/// with nothing happening it answers an empty page when the wait is over.
/// </summary>
[Collection(EventFeedTiming.Collection)]
public class EventFeedLongPollTests(EventFeedApiFactory factory, ITestOutputHelper output) : ApiTestBase<EventFeedApiFactory>(factory)
{
    private const int Rounds = 5;

    [Fact]
    public async Task A_waiting_request_answers_promptly_when_this_process_commits_an_event()
    {
        var rule = await ServiceRuleAsync();
        var latencies = await MeasureAsync(round => CreateApprovalIdAsync($"Awaited {round}", rule));

        output.WriteLine($"Wake latency after the create's response (ms): {Describe(latencies)}");
        AssertWokenPromptly(latencies);
    }

    [Fact]
    public async Task A_waiting_request_answers_promptly_when_another_process_commits_an_event()
    {
        var rule = await ServiceRuleAsync();
        await using var other = new SecondApiHost(Factory.ConnectionString, Factory.Clock);
        using var otherClient = other.CreateClient();
        otherClient.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", ApprovalsApiFactory.ApiKey);

        var latencies = await MeasureAsync(round => CreateApprovalAsAsync(otherClient, $"Elsewhere {round}", rule)
            .ContinueWith(created => (string)created.Result["id"]!, TaskScheduler.Default));

        output.WriteLine($"Wake latency after the other process's create responded (ms): {Describe(latencies)}");
        AssertWokenPromptly(latencies);
    }

    [Fact]
    public async Task Every_kind_of_change_wakes_a_waiting_request_promptly()
    {
        // Each path that commits events signals them: the Idempotency-Key filter's commit, the workflow's, redelivery's
        // (creates without a key and the dispatcher's outcomes are covered above and in EventFeedHistoryTests).
        var rule = await ServiceRuleAsync();
        var toEdit = await CreateApprovalIdAsync("To edit", rule);
        var toDecide = await CreateApprovalIdAsync("To decide", rule);
        var (failed, job) = await FailedDeliveryAsync(await CreateApprovalIdAsync("To redeliver", rule));
        var latencies = new Dictionary<string, double>
        {
            ["keyed create"] = await MeasureOnceAsync("approval.created", async () =>
            {
                using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/approvals")
                {
                    Content = JsonContent.Create(new { title = "Keyed", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }),
                };
                create.Headers.Add("Idempotency-Key", $"feed-{Guid.NewGuid():N}");
                var response = await Client.SendAsync(create);
                await AssertStatusAsync(response, HttpStatusCode.Created);
                return (string)(await ReadObjectAsync(response))["id"]!;
            }),
            ["edit"] = await MeasureOnceAsync("approval.edited", async () =>
            {
                await AssertStatusAsync(await PatchAsync(toEdit, """{"title":"Edited"}"""), HttpStatusCode.OK);
                return toEdit;
            }),
            ["keyed decision"] = await MeasureOnceAsync("approval.decided", async () =>
            {
                using var decide = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/approvals/{toDecide}/decision")
                {
                    Content = JsonContent.Create(new { decision = "approve" }),
                };
                decide.Headers.Add("Idempotency-Key", $"feed-{Guid.NewGuid():N}");
                await AssertStatusAsync(await Client.SendAsync(decide), HttpStatusCode.Accepted);
                return toDecide;
            }),
            ["redelivery"] = await MeasureOnceAsync("approval.redelivered", async () =>
            {
                await AssertStatusAsync(await Client.PostAsync($"/api/v1/approvals/{failed}/deliveries/{job}/retry", null), HttpStatusCode.Accepted);
                return failed;
            }),
        };

        output.WriteLine("Wake latency after the change's response (ms): " +
            string.Join(", ", latencies.Select(l => $"{l.Key} {l.Value.ToString("F1", CultureInfo.InvariantCulture)}")));
        AssertWokenPromptly([.. latencies.Values]);
    }

    [Fact]
    public async Task A_process_is_woken_at_its_own_commit_and_not_again_by_its_notification_but_by_another_processs()
    {
        var signal = Factory.Services.GetRequiredService<ApprovalEventSignal>();
        await CreateApprovalIdAsync("Before the signal is watched", await ServiceRuleAsync());
        await Task.Delay(500); // that create's notification has come and gone, and the listener is connected

        // The test listens too, to see the process's notification go out.
        await using var listener = new NpgsqlConnection(Factory.ConnectionString);
        await listener.OpenAsync();
        var sent = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, notification) => sent.TrySetResult(notification.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ApprovalEventSignal.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var atCommit = signal.NextWake;
        signal.EventsCommitted();
        Assert.True(atCommit.IsCompleted, "A commit wakes its own process at once.");
        var afterCommit = signal.NextWake;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var waiting = listener.WaitAsync(timeout.Token);
        Assert.NotEmpty(await sent.Task.WaitAsync(timeout.Token));
        await waiting;
        await Task.Delay(300); // the process's own listener has had it as long
        Assert.False(afterCommit.IsCompleted, "The process's own notification woke it a second time.");

        await using (var other = new NpgsqlConnection(Factory.ConnectionString))
        {
            await other.OpenAsync();
            await EventWriters.NotifyAsync(other);
        }

        await afterCommit.WaitAsync(timeout.Token);
    }

    [Fact]
    public async Task A_wait_with_nothing_happening_answers_an_empty_page_when_it_is_over()
    {
        var end = await EventFeedClient.ReadToEndAsync(Client);

        var waited = Stopwatch.StartNew();
        var page = await EventFeedClient.ReadAsync(Client, end.NextCursor, wait: 1);
        waited.Stop();

        Assert.Empty(page.Events);
        Assert.Equal(end.NextCursor, page.NextCursor);
        Assert.InRange(waited.Elapsed, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(3));
    }

    /// <summary>Rounds of <see cref="MeasureOnceAsync"/> with <paramref name="create"/>, after one to warm up both paths.</summary>
    private async Task<List<double>> MeasureAsync(Func<int, Task<string>> create)
    {
        // The first statements of a connection are prepared and the first requests JIT-compiled.
        await create(-1);
        var latencies = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            latencies.Add(await MeasureOnceAsync("approval.created", () => create(round)));
        }

        return latencies;
    }

    /// <summary>
    /// A request waiting (wait=10) at the end of the feed, then <paramref name="change"/>: the milliseconds from the
    /// change's response to the waiting request's answer, which must carry the change's one event.
    /// </summary>
    private async Task<double> MeasureOnceAsync(string type, Func<Task<string>> change)
    {
        var end = await EventFeedClient.ReadToEndAsync(Client);
        var clock = Stopwatch.StartNew();
        var poll = EventFeedClient.ReadAsync(Client, end.NextCursor, wait: 10);
        await Task.Delay(200);
        Assert.False(poll.IsCompleted, "The request did not wait: " + (poll.IsCompleted ? string.Join(", ", poll.Result.Ids) : ""));

        var id = await change();
        var changed = clock.Elapsed;
        var page = await poll;
        var answered = clock.Elapsed;

        var changeEvent = page.Events.Single();
        Assert.Equal(id, (string?)changeEvent["subject"]);
        Assert.Equal(type, (string?)changeEvent["type"]);
        Assert.True(answered < TimeSpan.FromSeconds(5), $"The request answered after {answered.TotalSeconds:F1} s, near its timeout.");
        return (answered - changed).TotalMilliseconds;
    }

    /// <summary>
    /// Puts the approval in ERROR with a failed approval job, as the dispatcher leaves it (this factory runs none),
    /// so that an admin can send the job again.
    /// </summary>
    private async Task<(string ApprovalId, Guid JobId)> FailedDeliveryAsync(string id)
    {
        return (id, await Factory.SeedFailedDeliveryAsync(Guid.Parse(id)));
    }

    /// <summary>
    /// Each wait was ended by the commit's signal, not by its 10 s timeout (nothing else wakes it): every answer came
    /// within a second; and typically within 100 ms (the median), which one answer delayed by the scheduler of a
    /// loaded shared machine does not decide.
    /// </summary>
    private static void AssertWokenPromptly(List<double> latencies)
    {
        Assert.All(latencies, latency => Assert.True(latency < 1000, $"Answered {latency:F1} ms after the change's response: {Describe(latencies)}."));
        var median = latencies.Order().ElementAt(latencies.Count / 2);
        Assert.True(median < 100, $"The median answer came {median:F1} ms after the change's response: {Describe(latencies)}.");
    }

    private static string Describe(List<double> latencies) =>
        string.Join(", ", latencies.Select(l => l.ToString("F1", CultureInfo.InvariantCulture)));
}
