using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary>
/// PostgreSQL goes away and comes back: every route answers 503 <c>service.unavailable</c> meanwhile, liveness stays
/// up, readiness follows the database, and the service recovers without a restart. Runs on its own cluster.
/// </summary>
public class DatabaseOutageTests(DedicatedPostgresApiFactory factory) : ApiTestBase<DedicatedPostgresApiFactory>(factory)
{
    [Fact]
    public async Task Every_route_answers_503_while_the_database_is_down_and_the_service_recovers_by_itself()
    {
        var approval = await CreateApprovalAsync("Survives the outage");
        var id = (string)approval["id"]!;
        var rule = (int)approval["serviceRules"]![0]!;
        await AssertStatusAsync(await Anonymous.GetAsync("/readyz"), HttpStatusCode.OK);

        Factory.Postgres.Stop();
        try
        {
            await AssertStatusAsync(await Anonymous.GetAsync("/healthz"), HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Anonymous.GetAsync("/readyz")).StatusCode);
            await AssertStatusAsync(await Anonymous.GetAsync("/status"), HttpStatusCode.OK);

            var requests = new Func<Task<HttpResponseMessage>>[]
            {
                () => Client.GetAsync("/api/v1/approvals"),
                () => Client.GetAsync($"/api/v1/approvals/{id}"),
                () => Client.GetAsync($"/api/v1/approvals/{id}/history"),
                () => Client.PostAsJsonAsync("/api/v1/approvals", new { title = "t", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }),
                () => PatchAsync(id, """{"comment":"during the outage"}"""),
                () => SendDecisionAsync(id, "outage-key"),
                () => Client.GetAsync("/api/v1/service-rules"),
                () => Client.PostAsJsonAsync("/api/v1/service-rules", new { name = "n", url = "https://x.example.com", apiKey = "k" }),
                () => Client.GetAsync("/requests"),
                () => Client.GetAsync($"/request?id={id}"),
                () => Client.PostAsJsonAsync("/request", new { title = "t", description = "d", service_rule = rule, deadline = FutureDeadline }),
                () => Client.PutAsJsonAsync("/request", new { id, status = 3 }),
            };
            foreach (var send in requests)
            {
                var response = await send();
                await AssertProblemAsync(response, 503, ErrorCodes.ServiceUnavailable);
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }
        finally
        {
            Factory.Postgres.Start();
        }

        // Recovery needs no restart: stale pooled connections fail once, then fresh ones succeed.
        var waited = Stopwatch.StartNew();
        while ((await Client.GetAsync("/api/v1/approvals")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "The service did not recover within 30 s of the database coming back.");
            await Task.Delay(100);
        }

        await AssertStatusAsync(await Anonymous.GetAsync("/readyz"), HttpStatusCode.OK);
        await AssertStatusAsync(await PatchAsync(id, """{"comment":"after the outage"}"""), HttpStatusCode.OK);

        // The decision refused during the outage did not use up its Idempotency-Key.
        var decided = await SendDecisionAsync(id, "outage-key");
        await AssertStatusAsync(decided, HttpStatusCode.Accepted);
        Assert.False(decided.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_stopped_database_leaves_liveness_at_200_and_takes_readiness_down_until_it_is_back()
    {
        await AssertStatusAsync(await Anonymous.GetAsync("/readyz"), HttpStatusCode.OK);

        Factory.Postgres.Stop();
        try
        {
            // Liveness never touches the database: a process whose database is down is alive, and is not restarted for it.
            var live = await Anonymous.GetAsync("/healthz");
            await AssertStatusAsync(live, HttpStatusCode.OK);
            Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/healthz"))).StatusCode);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Anonymous.GetAsync("/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/readyz"))).StatusCode);
        }
        finally
        {
            Factory.Postgres.Start();
        }

        var waited = Stopwatch.StartNew();
        while ((await Anonymous.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "Readiness did not come back within 30 s of the database.");
            await Task.Delay(100);
        }

        await AssertStatusAsync(await Anonymous.GetAsync("/healthz"), HttpStatusCode.OK);
    }

    private Task<HttpResponseMessage> SendDecisionAsync(string id, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/approvals/{id}/decision") { Content = JsonContent.Create(new { decision = "approve" }) };
        request.Headers.Add("Idempotency-Key", key);
        return Client.SendAsync(request);
    }
}
