using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Delivery;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Timers;

/// <summary>Arrange and wait helpers for tests that watch timers fire (deadlines that act, reminders) on the fake clock.</summary>
public abstract class TimerTestBase<TFixture>(TFixture fixture) : DeliveryTestBase<TFixture>(fixture)
    where TFixture : DeliveryFixture
{
    /// <summary>Creates an approval through API v1 with the given deadline settings.</summary>
    protected async Task<Guid> CreateTimedAsync(DateTimeOffset deadline, string? onDeadline, string[]? remindBefore, params int[] serviceRules)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title = "Timed approval", description = "Acts when nobody answers.", deadline, serviceRules, onDeadline, remindBefore,
        });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return Guid.Parse((string)(await ReadObjectAsync(response))["id"]!);
    }

    /// <summary>Moves the shared fake clock forward to <paramref name="at"/> (never back).</summary>
    protected void AdvanceTo(DateTimeOffset at)
    {
        var step = at - Factory.Clock.GetUtcNow();
        if (step > TimeSpan.Zero)
        {
            Factory.Clock.Advance(step);
        }
    }

    /// <summary>
    /// Waits until every timer of the approvals due by now has fired: a loop deleted it in the transaction that wrote
    /// what it did, so afterwards the approval shows all it will ever show for them.
    /// </summary>
    protected async Task WaitUntilDueTimersFiredAsync(params Guid[] approvalIds)
    {
        var now = Factory.Clock.GetUtcNow();
        long left = -1;
        await WaitUntilAsync(async () =>
        {
            await using var db = Factory.CreateDbContext();
            left = await db.ApprovalTimers.CountAsync(t => approvalIds.Contains(t.ApprovalId) && t.DueAt <= now);
            return left == 0;
        }, describe: () => $"{left} due timer(s) of {approvalIds.Length} approval(s) to fire");
    }

    protected async Task<List<StoredEvent>> EventsAsync(Guid approvalId) => (await StoredTrailAsync(approvalId.ToString())).History;

    protected static string? Detail(StoredEvent stored, string name) =>
        stored.Record.Data.RootElement.TryGetProperty(name, out var value) ? value.ToString() : null;

    /// <summary>An approval with a reminder an hour before its deadline, for <see cref="TimerCompetition"/>.</summary>
    internal Task<Guid> CreateForCompetitionAsync(DateTimeOffset deadline, string onDeadline, int rule) =>
        CreateTimedAsync(deadline, onDeadline, ["PT1H"], rule);

    /// <summary>An approval its deadline rejects, for <see cref="TimerKill"/>.</summary>
    internal Task<Guid> CreateForKillAsync(DateTimeOffset deadline, int rule) => CreateTimedAsync(deadline, "reject", null, rule);

    internal void MoveClockTo(DateTimeOffset at) => AdvanceTo(at);

    internal Task WaitForDueTimersAsync(Guid[] approvalIds) => WaitUntilDueTimersFiredAsync(approvalIds);

    internal Task WaitForFinalAsync(Guid approvalId, string status) => WaitForStatusAsync(approvalId, status);

    /// <summary>The approval's one decided event, taken by the deadline.</summary>
    protected static StoredEvent AssertDecidedByDeadline(IEnumerable<StoredEvent> history, Decision decision, DateTimeOffset deadline)
    {
        var decided = Assert.Single(history, e => e.Type == ApprovalEventType.Decided);
        Assert.Equal(("system:deadline", ApprovalStatus.Pending), (decided.Actor, decided.FromStatus));
        Assert.Equal(decision.ToString().ToLowerInvariant(), Detail(decided, "decision"));
        Assert.Equal(deadline, DateTimeOffset.Parse(Detail(decided, "deadline")!, System.Globalization.CultureInfo.InvariantCulture));
        return decided;
    }
}
