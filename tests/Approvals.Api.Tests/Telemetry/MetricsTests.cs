using System.Net;
using Approvals.Api.Tests.Delivery;
using Approvals.Api.Tests.Infrastructure;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>
/// The metrics move with what the service does: a decision and its delivery count in the <c>Approvals</c> meter (read
/// from this service's own meter) and show at <c>/metrics</c>, which answers anyone in the Prometheus text format
/// without giving away approvals, keys or URLs.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class MetricsTests(TelemetryDeliveryFixture fixture) : DeliveryTestBase<TelemetryDeliveryFixture>(fixture)
{
    [Fact]
    public async Task A_decision_and_its_delivery_move_the_counters_and_the_latency_histogram()
    {
        using var measurements = new AppMeasurements(Factory.Services);
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        var before = await ScrapeAsync();

        await DecideAsync(id, "reject");
        await WaitForStatusAsync(id, "REJECTED");

        var decision = Assert.Single(measurements.Of("approvals.decisions"));
        Assert.Equal((1d, "rejected"), (decision.Value, decision.Tags["outcome"]));
        var delivery = Assert.Single(measurements.Of("approvals.deliveries"));
        Assert.Equal((1d, "succeeded", (object?)rule), (delivery.Value, delivery.Tags["outcome"], delivery.Tags["service_rule"]));
        var duration = Assert.Single(measurements.Of("approvals.delivery.duration"));
        Assert.True(duration.Value >= 0);
        Assert.Equal(("succeeded", (object?)rule), (duration.Tags["outcome"], duration.Tags["service_rule"]));

        // The scrape shows them (other services in this test process count into the same series: at least this one's).
        var ruleLabel = ("service_rule", rule.ToString(System.Globalization.CultureInfo.InvariantCulture));
        PrometheusText after = before;
        await WaitUntilAsync(async () =>
        {
            after = await ScrapeAsync();
            return after.Sum("approvals_delivery_duration_seconds_count", ("outcome", "succeeded"), ruleLabel)
                > before.Sum("approvals_delivery_duration_seconds_count", ("outcome", "succeeded"), ruleLabel);
        }, describe: () => "the delivery's duration in the scrape");
        Assert.True(after.Sum("approvals_decisions_total", ("outcome", "rejected")) >= before.Sum("approvals_decisions_total", ("outcome", "rejected")) + 1);
        Assert.True(after.Sum("approvals_deliveries_total", ("outcome", "succeeded"), ruleLabel)
            >= before.Sum("approvals_deliveries_total", ("outcome", "succeeded"), ruleLabel) + 1);
        Assert.True(after.Sum("http_server_request_duration_seconds_count", ("http_route", "/api/v1/approvals/{id}/decision"), ("http_response_status_code", "202"))
            >= before.Sum("http_server_request_duration_seconds_count", ("http_route", "/api/v1/approvals/{id}/decision"), ("http_response_status_code", "202")) + 1);

        // The UserService serves its own HTTP metrics, the delivery it answered among them.
        var downstream = new PrometheusText(await UserService.Client.GetStringAsync("/metrics"));
        Assert.True(downstream.Sum("http_server_request_duration_seconds_count", ("http_route", "/approval"), ("http_response_status_code", "200")) >= 1);
    }

    [Fact]
    public async Task Metrics_answer_anyone_in_the_prometheus_text_format_and_give_nothing_away()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);
        await DecideAsync(id, "approve");
        await WaitForStatusAsync(id, "APPROVED");

        var response = await Anonymous.GetAsync("/metrics");

        await AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var scrape = new PrometheusText(await response.Content.ReadAsStringAsync());
        Assert.Empty(scrape.MalformedLines());
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE approvals_decisions_total counter", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE approvals_delivery_duration_seconds histogram", scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(id.ToString(), scrape.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ApprovalsApiFactory.ApiKey, scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Approvals.Testing.UserServiceServer.ApiKey, scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain($":{UserService.BaseAddress.Port}", scrape.Text, StringComparison.Ordinal);

        // Like the health checks, it is no route of the API: the committed OpenAPI document (made with telemetry off) stays true.
        Assert.DoesNotContain("/metrics", await Client.GetStringAsync("/openapi/v1.json"), StringComparison.Ordinal);
    }

    private async Task<PrometheusText> ScrapeAsync() => new(await Anonymous.GetStringAsync("/metrics"));
}
