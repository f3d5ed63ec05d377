using System.Net;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests;

/// <summary><c>Idempotency-Key</c> on create and decision: a retry gets the first answer and changes nothing.</summary>
public class IdempotencyTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Retried_create_replays_the_first_response_and_creates_one_approval()
    {
        var body = await CreateBodyAsync("Replay me");

        var first = await SendAsync("/api/v1/approvals", body, "create-1");
        var retry = await SendAsync("/api/v1/approvals", body, "create-1");

        await AssertStatusAsync(first, HttpStatusCode.Created);
        await AssertReplayOfAsync(first, retry);
        Assert.Equal(1, await CountApprovalsAsync("Replay me"));
    }

    [Fact]
    public async Task Formatting_does_not_make_a_different_request()
    {
        var body = await CreateBodyAsync("Formatting");
        var reformatted = Serialize(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(body)!.Reverse().ToDictionary())
            .Replace(",", " , ", StringComparison.Ordinal);

        var first = await SendAsync("/api/v1/approvals", body, "create-format");
        var retry = await SendAsync("/api/v1/approvals", reformatted, "create-format");

        await AssertReplayOfAsync(first, retry);
        Assert.Equal(1, await CountApprovalsAsync("Formatting"));
    }

    [Fact]
    public async Task Retried_decision_replays_the_202_and_queues_one_set_of_jobs()
    {
        var id = await CreateApprovalIdAsync("Decide once");
        var decision = Serialize(new { decision = "approve", comment = "ok" });

        var first = await SendAsync($"/api/v1/approvals/{id}/decision", decision, "decide-1");
        var retry = await SendAsync($"/api/v1/approvals/{id}/decision", decision, "decide-1");
        var withoutKey = await SendAsync($"/api/v1/approvals/{id}/decision", decision, key: null);

        await AssertStatusAsync(first, HttpStatusCode.Accepted);
        await AssertReplayOfAsync(first, retry);
        await AssertProblemAsync(withoutKey, 409, ErrorCodes.AwaitingDelivery);
        var (jobs, history) = await StoredTrailAsync(id);
        Assert.Single(jobs);
        Assert.Equal([HistoryActions.Created, HistoryActions.Decided], history.Select(h => h.Action));
    }

    [Fact]
    public async Task Same_key_with_another_body_or_route_is_refused_and_changes_nothing()
    {
        var id = await CreateApprovalIdAsync("Key reuse");
        var different = await CreateBodyAsync("Different");
        await AssertStatusAsync(await SendAsync("/api/v1/approvals", await CreateBodyAsync("Original"), "reused"), HttpStatusCode.Created);
        var before = await SnapshotAsync();

        await AssertProblemAsync(await SendAsync("/api/v1/approvals", different, "reused"), 422, ErrorCodes.IdempotencyKeyReused);
        await AssertProblemAsync(await SendAsync($"/api/v1/approvals/{id}/decision", Serialize(new { decision = "reject" }), "reused"), 422, ErrorCodes.IdempotencyKeyReused);

        before.AssertUnchanged(await SnapshotAsync(), "a reused key");
    }

    [Fact]
    public async Task Keys_belong_to_their_caller()
    {
        var body = await CreateBodyAsync("Per caller");
        var other = Factory.CreateAuthenticatedClient(ApprovalsApiFactory.OtherApiKey);

        var mine = await SendAsync("/api/v1/approvals", body, "shared-key");
        var theirs = await SendAsync("/api/v1/approvals", body, "shared-key", other);

        await AssertStatusAsync(mine, HttpStatusCode.Created);
        await AssertStatusAsync(theirs, HttpStatusCode.Created);
        Assert.False(theirs.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(mine.Headers.Location, theirs.Headers.Location);
        Assert.Equal(2, await CountApprovalsAsync("Per caller"));
    }

    [Fact]
    public async Task A_refused_request_does_not_use_up_its_key()
    {
        var valid = await CreateBodyAsync("Second try");
        var refused = valid.Replace("Second try", "", StringComparison.Ordinal);

        await AssertFieldErrorsAsync(await SendAsync("/api/v1/approvals", refused, "fix-and-retry"), "title");
        var fixedRequest = await SendAsync("/api/v1/approvals", valid, "fix-and-retry");

        await AssertStatusAsync(fixedRequest, HttpStatusCode.Created);
        Assert.False(fixedRequest.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Parallel_retries_with_one_key_create_one_approval()
    {
        var body = await CreateBodyAsync("Stampede");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => SendAsync("/api/v1/approvals", body, "stampede"))));

        // All run; the first to store its response wins, and the others wait for it there, discard their own approval
        // and replay its response.
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created && !r.Headers.Contains("Idempotent-Replayed"));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.Location).Distinct());

        Assert.Equal(1, await CountApprovalsAsync("Stampede"));
    }

    [Fact]
    public async Task A_keyed_create_whose_response_cannot_be_stored_leaves_no_approval_behind()
    {
        await WithStoredResponsesRefusedAsync(async () =>
        {
            var response = await SendAsync("/api/v1/approvals", await CreateBodyAsync("Never stored"), "store-fails");

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal(0, await CountApprovalsAsync("Never stored"));
            await using var db = Factory.CreateDbContext();
            Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.Key == "store-fails"));
        });
    }

    [Fact]
    public async Task A_keyed_decision_whose_response_cannot_be_stored_leaves_the_approval_undecided()
    {
        // Without a key the decision's write carries the COMMIT; with one, the stored response comes after it and the
        // transaction must stay open for it.
        var id = await CreateApprovalIdAsync("Decided, never stored");
        var before = await StoredTrailAsync(id);

        await WithStoredResponsesRefusedAsync(async () =>
        {
            var response = await SendAsync($"/api/v1/approvals/{id}/decision", Serialize(new { decision = "approve" }), "store-fails");

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            var (jobs, history) = await StoredTrailAsync(id);
            Assert.Empty(jobs);
            Assert.Equal(before.History.Select(h => h.Action), history.Select(h => h.Action));
            await using var db = Factory.CreateDbContext();
            Assert.Equal(ApprovalStatus.Pending, (await db.Approvals.SingleAsync(a => a.Id == Guid.Parse(id))).Status);
        });
    }

    /// <summary>Runs <paramref name="test"/> while storing a response under the key <c>store-fails</c> fails in the database.</summary>
    private async Task WithStoredResponsesRefusedAsync(Func<Task> test)
    {
        // The stored response is written last, in the transaction that also holds the change: make that write fail.
        await using (var db = Factory.CreateDbContext())
        {
            await db.Database.ExecuteSqlRawAsync("""
                CREATE FUNCTION test_refuse_stored_response() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused for the test'; END; $$;
                CREATE TRIGGER test_refuse_stored_response BEFORE INSERT OR UPDATE ON idempotency_keys
                    FOR EACH ROW WHEN (NEW.key = 'store-fails') EXECUTE FUNCTION test_refuse_stored_response();
                """);
        }

        try
        {
            await test();
        }
        finally
        {
            await using var db = Factory.CreateDbContext();
            await db.Database.ExecuteSqlRawAsync("""
                DROP TRIGGER test_refuse_stored_response ON idempotency_keys;
                DROP FUNCTION test_refuse_stored_response();
                """);
        }
    }

    private async Task<string> CreateBodyAsync(string title) => Serialize(new
    {
        title,
        description = "Idempotent",
        deadline = FutureDeadline,
        serviceRules = new[] { await ServiceRuleAsync() },
    });

    private Task<HttpResponseMessage> SendAsync(string path, string body, string? key, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return (client ?? Client).SendAsync(request);
    }

    private async Task<int> CountApprovalsAsync(string title)
    {
        await using var db = Factory.CreateDbContext();
        return await db.Approvals.CountAsync(a => a.Title == title);
    }

    private static async Task AssertReplayOfAsync(HttpResponseMessage first, HttpResponseMessage retry)
    {
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(["true"], retry.Headers.GetValues("Idempotent-Replayed"));
        Assert.Equal(first.StatusCode, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.NotNull(first.Headers.ETag);
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal(first.Content.Headers.ContentType, retry.Content.Headers.ContentType);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
    }
}
