using System.Diagnostics;
using System.Globalization;
using Approvals.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Approvals.Api.Tests.Events;

/// <summary>
/// <c>wait</c>: an empty page waits for events. A request waiting while an approval is created answers with its event
/// within 100 ms of the commit, whether this process or another one committed it; with nothing happening it answers
/// an empty page when the wait is over.
/// </summary>
[Collection(EventFeedTiming.Collection)]
public class EventFeedLongPollTests(EventFeedApiFactory factory, ITestOutputHelper output) : ApiTestBase<EventFeedApiFactory>(factory)
{
    private const int Rounds = 5;

    [Fact]
    public async Task A_waiting_request_answers_within_100_ms_when_this_process_commits_an_event()
    {
        var rule = await ServiceRuleAsync();
        var latencies = await MeasureAsync(round => CreateApprovalIdAsync($"Awaited {round}", rule));

        output.WriteLine($"Wake latency after the create's response (ms): {Describe(latencies)}");
        Assert.All(latencies, latency => Assert.True(latency < 100, $"Answered {latency:F1} ms after the create's response: {Describe(latencies)}."));
    }

    [Fact]
    public async Task A_waiting_request_answers_within_100_ms_when_another_process_commits_an_event()
    {
        var rule = await ServiceRuleAsync();
        await using var other = new SecondApiHost(Factory.ConnectionString, Factory.Clock);
        using var otherClient = other.CreateClient();
        otherClient.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", ApprovalsApiFactory.ApiKey);

        var latencies = await MeasureAsync(round => CreateApprovalAsAsync(otherClient, $"Elsewhere {round}", rule)
            .ContinueWith(created => (string)created.Result["id"]!, TaskScheduler.Default));

        output.WriteLine($"Wake latency after the other process's create responded (ms): {Describe(latencies)}");
        Assert.All(latencies, latency => Assert.True(latency < 100, $"Answered {latency:F1} ms after the create's response: {Describe(latencies)}."));
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

    /// <summary>
    /// Rounds of: a request waiting (wait=10) at the end of the feed, then <paramref name="create"/>; the time from the
    /// create's response to the waiting request's answer, which must carry the created approval's event.
    /// </summary>
    private async Task<List<double>> MeasureAsync(Func<int, Task<string>> create)
    {
        // Warms up both paths (the first statements of a connection are prepared, the first requests JIT-compiled).
        await create(-1);
        await EventFeedClient.ReadToEndAsync(Client);

        var latencies = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var end = await EventFeedClient.ReadToEndAsync(Client);
            var clock = Stopwatch.StartNew();
            var poll = EventFeedClient.ReadAsync(Client, end.NextCursor, wait: 10);
            await Task.Delay(200);
            Assert.False(poll.IsCompleted, "The request did not wait: " + (poll.IsCompleted ? string.Join(", ", poll.Result.Ids) : ""));

            var id = await create(round);
            var created = clock.Elapsed;
            var page = await poll;
            var answered = clock.Elapsed;

            var createdEvent = page.Events.Single();
            Assert.Equal(id, (string?)createdEvent["subject"]);
            Assert.Equal("approval.created", (string?)createdEvent["type"]);
            Assert.True(answered < TimeSpan.FromSeconds(5), $"The request answered after {answered.TotalSeconds:F1} s, near its timeout.");
            latencies.Add((answered - created).TotalMilliseconds);
        }

        return latencies;
    }

    private static string Describe(List<double> latencies) =>
        string.Join(", ", latencies.Select(l => l.ToString("F1", CultureInfo.InvariantCulture)));
}
