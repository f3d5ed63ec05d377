using System.Net;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests;

/// <summary>The service with a sweeper that runs every fraction of a second, so a test can watch it.</summary>
public sealed class FrequentSweepApiFactory : ApprovalsApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Idempotency:SweepInterval", "00:00:00.200")];
}

/// <summary>
/// <c>Idempotency-Key</c> records do not hold for ever: a stored response is replayed for <c>Idempotency:Retention</c>
/// (24 hours), a claim whose request died is released after <c>Idempotency:InProgressTimeout</c> (2 minutes), and
/// expired records are deleted.
/// </summary>
public class IdempotencyExpiryTests(FrequentSweepApiFactory factory) : ApiTestBase<FrequentSweepApiFactory>(factory)
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly TimeSpan InProgressTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_key_is_replayed_until_it_expires_and_then_runs_as_new()
    {
        var body = await CreateBodyAsync("Expiring key");
        var first = await SendAsync(body, "expires");
        await AssertStatusAsync(first, HttpStatusCode.Created);

        Factory.Clock.Advance(Retention - TimeSpan.FromSeconds(1));
        var replay = await SendAsync(body, "expires");
        Assert.Equal(["true"], replay.Headers.GetValues("Idempotent-Replayed"));
        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        Assert.Equal(1, await CountApprovalsAsync("Expiring key"));

        Factory.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterExpiry = await SendAsync(body, "expires");
        await AssertStatusAsync(afterExpiry, HttpStatusCode.Created);
        Assert.False(afterExpiry.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(first.Headers.Location, afterExpiry.Headers.Location);
        Assert.Equal(2, await CountApprovalsAsync("Expiring key"));

        // The new response replaced the expired one, and is what the key replays from now on.
        var replayOfNew = await SendAsync(body, "expires");
        Assert.Equal(["true"], replayOfNew.Headers.GetValues("Idempotent-Replayed"));
        Assert.Equal(afterExpiry.Headers.Location, replayOfNew.Headers.Location);
        var stored = await StoredAsync("expires");
        Assert.Equal(Factory.Clock.GetUtcNow(), stored.CreatedAt, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task An_expired_key_may_be_used_for_another_request()
    {
        await AssertStatusAsync(await SendAsync(await CreateBodyAsync("First use"), "reused-later"), HttpStatusCode.Created);
        var other = await CreateBodyAsync("Second use");
        await AssertProblemAsync(await SendAsync(other, "reused-later"), 422, ErrorCodes.IdempotencyKeyReused);

        Factory.Clock.Advance(Retention);
        await AssertStatusAsync(await SendAsync(other, "reused-later"), HttpStatusCode.Created);
        Assert.Equal(1, await CountApprovalsAsync("Second use"));
    }

    [Fact]
    public async Task A_claim_whose_request_died_is_released_after_the_in_progress_timeout()
    {
        // What a request that claimed its key and never finished left behind (the claim without a response that
        // earlier versions of the service wrote before running the request). Its request hash is that of the same
        // request sent by another caller (the hash does not include the caller).
        var body = await CreateBodyAsync("Claimed, then died");
        var other = Factory.CreateAuthenticatedClient(ApprovalsApiFactory.OtherApiKey);
        await AssertStatusAsync(await SendAsync(body, "died", other), HttpStatusCode.Created);
        await using (var db = Factory.CreateDbContext())
        {
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                Caller = Caller.ForClient("test"),
                Key = "died",
                RequestHash = (await StoredAsync("died")).RequestHash,
                CreatedAt = Factory.Clock.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }

        var before = await SnapshotAsync();
        await AssertProblemAsync(await SendAsync(body, "died"), 409, ErrorCodes.IdempotencyInProgress);
        before.AssertUnchanged(await SnapshotAsync(), "a key still in progress");

        Factory.Clock.Advance(InProgressTimeout);
        var retry = await SendAsync(body, "died");

        await AssertStatusAsync(retry, HttpStatusCode.Created);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, await CountApprovalsAsync("Claimed, then died"));
        var stored = await StoredAsync("died", Caller.ForClient("test"));
        Assert.Equal(201, stored.StatusCode);
        Assert.Equal(retry.Headers.Location?.ToString(), stored.Location);
        Assert.Equal(["true"], (await SendAsync(body, "died")).Headers.GetValues("Idempotent-Replayed"));
    }

    [Fact]
    public async Task The_sweeper_deletes_expired_records_and_keeps_the_others()
    {
        var now = Factory.Clock.GetUtcNow();
        await using (var db = Factory.CreateDbContext())
        {
            db.IdempotencyRecords.AddRange(
                Record("sweep-expired", now - Retention - TimeSpan.FromMinutes(1), 201),
                Record("sweep-expired-claim", now - Retention - TimeSpan.FromHours(3), null),
                Record("sweep-fresh", now - Retention + TimeSpan.FromMinutes(1), 201));
            await db.SaveChangesAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<string> left;
        do
        {
            await Task.Delay(100);
            await using var db = Factory.CreateDbContext();
            left = await db.IdempotencyRecords.Where(r => r.Key.StartsWith("sweep-")).Select(r => r.Key).ToListAsync();
        }
        while (left.Count > 1 && DateTime.UtcNow < deadline);

        Assert.Equal(["sweep-fresh"], left);
    }

    [Theory]
    [InlineData("Idempotency:Retention", "00:00:30", "Retention")]
    [InlineData("Idempotency:InProgressTimeout", "00:00:01", "InProgressTimeout")]
    [InlineData("Idempotency:InProgressTimeout", "1.00:00:01", "InProgressTimeout")]
    [InlineData("Idempotency:SweepInterval", "00:00:00", "SweepInterval")]
    public async Task Bad_settings_stop_the_service_at_start(string key, string value, string expected)
    {
        var failure = await ServiceStart.ValidationFailureAsync(("Delivery:Enabled", "false"),
            ("Idempotency:Retention", key.EndsWith("Retention", StringComparison.Ordinal) ? value : "2.00:00:00"), (key, value));
        Assert.Contains(expected, failure.Message);
    }

    [Fact]
    public async Task A_claim_timeout_longer_than_the_retention_stops_the_service_at_start()
    {
        var failure = await ServiceStart.ValidationFailureAsync(("Delivery:Enabled", "false"),
            ("Idempotency:InProgressTimeout", "02:00:00"), ("Idempotency:Retention", "01:00:00"));
        Assert.Contains("must not be longer than Idempotency:Retention", failure.Message);
    }

    private static IdempotencyRecord Record(string key, DateTimeOffset createdAt, int? status) => new()
    {
        Caller = Caller.ForClient("test"),
        Key = key,
        RequestHash = new string('0', 64),
        StatusCode = status,
        ResponseBody = status is null ? null : "{}",
        CreatedAt = createdAt,
    };

    private async Task<IdempotencyRecord> StoredAsync(string key, string? caller = null)
    {
        await using var db = Factory.CreateDbContext();
        return await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Key == key && (caller == null || r.Caller == caller));
    }

    private async Task<string> CreateBodyAsync(string title) => Serialize(new
    {
        title,
        description = "Idempotent",
        deadline = Factory.Clock.GetUtcNow().AddDays(30),
        serviceRules = new[] { await ServiceRuleAsync() },
    });

    private Task<HttpResponseMessage> SendAsync(string body, string key, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/approvals") { Content = Json(body) };
        request.Headers.Add("Idempotency-Key", key);
        return (client ?? Client).SendAsync(request);
    }

    private async Task<int> CountApprovalsAsync(string title)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Approvals.CountAsync(a => a.Title == title);
    }
}
