using System.Net;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests;

/// <summary><c>GET /api/v1/service-rules/{id}/health</c>: a rule's delivery figures over the last 24 hours, from the attempt log.</summary>
public class ServiceRuleHealthApiTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task The_health_counts_the_attempts_of_the_last_24_hours_with_their_success_rate_and_p95_overall_and_per_hour()
    {
        var rule = await ServiceRuleAsync();
        var other = await ServiceRuleAsync();
        await Factory.SeedAttemptsAsync(await Factory.CreateApprovalForAsync(rule), rule, DeliveryAttemptSeeds.KnownDay);
        await Factory.SeedAttemptsAsync(await Factory.CreateApprovalForAsync(other), other, new SeededAttempt(TimeSpan.FromMinutes(1), 9000, false));
        var now = Factory.Clock.GetUtcNow();

        var health = await HealthAsync(rule);

        Assert.Equal(rule, (int)health["serviceRule"]!);
        Assert.Equal(20, (long)health["attempts"]!);
        Assert.Equal(4, (long)health["failed"]!);
        Assert.Equal(0.8, (double)health["successRate"]!, 10);
        Assert.Equal(190.5, (double)health["p95LatencyMs"]!, 10);
        Assert.Equal(now, (DateTimeOffset)health["to"]!);
        Assert.Equal(now.AddHours(-24), (DateTimeOffset)health["from"]!);

        var hours = health["hours"]!.AsArray();
        Assert.Equal(24, hours.Count);
        Assert.Equal(now.AddHours(-24), (DateTimeOffset)hours[0]!["from"]!);
        Assert.Equal(now.AddHours(-1), (DateTimeOffset)hours[23]!["from"]!);
        AssertHour(hours[23]!, attempts: 15, failed: 2, p95: 143);
        AssertHour(hours[19]!, attempts: 5, failed: 2, p95: 198);
        Assert.All(hours.Where((_, index) => index is not (19 or 23)), hour => AssertHour(hour!, attempts: 0, failed: 0, p95: null));
    }

    [Fact]
    public async Task A_rule_without_attempts_has_no_rate_and_no_latency()
    {
        var rule = await ServiceRuleAsync();

        var health = await HealthAsync(rule);

        Assert.Equal(0, (long)health["attempts"]!);
        Assert.Null(health["successRate"]);
        Assert.Null(health["p95LatencyMs"]);
        Assert.Equal(24, health["hours"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("abc", 400, ErrorCodes.ValidationFailed)]
    [InlineData("-1", 400, ErrorCodes.ValidationFailed)]
    [InlineData("99999999999", 400, ErrorCodes.ValidationFailed)]
    [InlineData("987654", 404, ErrorCodes.ServiceRuleNotFound)]
    public async Task A_bad_or_unknown_rule_id_gets_a_problem_with_its_code(string id, int status, string code)
    {
        var response = await Client.GetAsync($"/api/v1/service-rules/{id}/health");

        await AssertProblemAsync(response, status, code);
    }

    private async Task<JsonObject> HealthAsync(int rule)
    {
        var response = await Client.GetAsync($"/api/v1/service-rules/{rule}/health");
        await AssertStatusAsync(response, HttpStatusCode.OK);
        return await ReadObjectAsync(response);
    }

    private static void AssertHour(JsonNode hour, long attempts, long failed, double? p95)
    {
        Assert.Equal(attempts, (long)hour["attempts"]!);
        Assert.Equal(failed, (long)hour["failed"]!);
        Assert.Equal(p95, (double?)hour["p95LatencyMs"]);
    }
}
