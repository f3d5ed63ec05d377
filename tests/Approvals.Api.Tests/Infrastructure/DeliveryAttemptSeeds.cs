using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>One attempt of the log: how long before the factory's now it started, how long it took, and whether the service accepted it.</summary>
public sealed record SeededAttempt(TimeSpan Ago, int DurationMs, bool Succeeded);

/// <summary>Arranges delivery attempts with known outcomes and durations in the database, for the delivery health reads.</summary>
public static class DeliveryAttemptSeeds
{
    /// <summary>
    /// A past job of <paramref name="approvalId"/> to <paramref name="serviceRuleId"/> (superseded, so nothing picks it
    /// up) with <paramref name="attempts"/> in its log: failed ones as a 503 with its error, as the sender records them.
    /// </summary>
    public static async Task SeedAttemptsAsync(this ApprovalsApiFactory factory, Guid approvalId, int serviceRuleId, params SeededAttempt[] attempts)
    {
        await using var db = factory.CreateDbContext();
        var now = factory.Clock.GetUtcNow();
        db.DeliveryJobs.Add(new DeliveryJob
        {
            Id = Guid.CreateVersion7(),
            ApprovalId = approvalId,
            DecisionId = Guid.CreateVersion7(),
            ServiceRuleId = serviceRuleId,
            RequestedStatus = ApprovalStatus.Approved,
            State = DeliveryState.Superseded,
            Attempts = attempts.Length,
            NextAttemptAt = now,
            CreatedAt = now,
            CompletedAt = now,
            AttemptLog = [.. attempts.Select((attempt, index) => new DeliveryAttempt
            {
                Number = index + 1,
                StartedAt = now - attempt.Ago,
                DurationMs = attempt.DurationMs,
                HttpStatus = attempt.Succeeded ? 200 : 503,
                Error = attempt.Succeeded ? null : "HTTP 503 Service Unavailable",
            })],
        });
        await db.SaveChangesAsync();
    }

    /// <summary>An approval naming <paramref name="serviceRuleId"/>, created through the API with the test key.</summary>
    public static async Task<Guid> CreateApprovalForAsync(this ApprovalsApiFactory factory, int serviceRuleId, string title = "Seeded for deliveries")
    {
        using var client = factory.CreateAuthenticatedClient();
        var response = await client.PostAsJsonAsync("/api/v1/approvals", new
        {
            title,
            description = "An approval whose deliveries the test arranges.",
            deadline = factory.Clock.GetUtcNow().AddDays(7),
            serviceRules = new[] { serviceRuleId },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
    }

    /// <summary>
    /// Twenty attempts in the last 24 hours, four of them failed, taking 10, 20, … 200 ms: a success rate of 80 % and
    /// a p95 of 190.5 ms (interpolated between 190 and 200). Fifteen of them (10 … 150 ms, two failed; p95 143 ms) in the
    /// last hour, five (160 … 200 ms, two failed; p95 198 ms) four and a half hours ago, i.e. in the window's hour 19; and
    /// a slow failed one 25 hours ago, outside the window.
    /// </summary>
    public static SeededAttempt[] KnownDay { get; } =
    [
        .. Enumerable.Range(1, 15).Select(i => new SeededAttempt(TimeSpan.FromMinutes(10), i * 10, i is not (3 or 9))),
        .. Enumerable.Range(16, 5).Select(i => new SeededAttempt(TimeSpan.FromHours(4.5), i * 10, i is not (17 or 20))),
        new SeededAttempt(TimeSpan.FromHours(25), 5000, false),
    ];
}
