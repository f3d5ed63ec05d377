using System.Net;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>
/// <c>Telemetry:Enabled=false</c> (the setting ApprovalsApiFactory runs the tests' services with) leaves no trace of
/// telemetry: no <c>/metrics</c>, no trace context stored with jobs; bad telemetry settings stop the start.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetrySettingsTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Telemetry_off_serves_no_metrics_and_stores_no_trace_context_while_the_service_works_as_ever()
    {
        var id = await CreateApprovalIdAsync("Untraced", [await ServiceRuleAsync()]);
        await AssertStatusAsync(await DecideAsync(id, "approve"), HttpStatusCode.Accepted);

        await AssertProblemAsync(await Anonymous.GetAsync("/metrics"), 404, Domain.ErrorCodes.RouteNotFound);
        await using var db = Factory.CreateDbContext();
        var job = await db.DeliveryJobs.SingleAsync(j => j.ApprovalId == Guid.Parse(id));
        Assert.Null(job.TraceParent);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http or https URL")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url", "OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http or https URL")]
    [InlineData("Telemetry:OutboxRefreshInterval", "00:00:00", "OutboxRefreshInterval")]
    [InlineData("Telemetry:ServiceName", "", "ServiceName")]
    public async Task Bad_telemetry_settings_stop_the_start(string key, string value, string named)
    {
        var failure = await ServiceStart.ValidationFailureAsync((key, value));

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Telemetry_is_validated_when_off_too_and_an_http_collector_is_accepted()
    {
        await ServiceStart.ValidationFailureAsync(("Telemetry:Enabled", "false"), ("Telemetry:ServiceName", ""));

        Assert.Null(await ServiceStart.FailureAsync(
            ("Delivery:Enabled", "false"),
            ("Auth:ApiKeys:0:Name", "test"), ("Auth:ApiKeys:0:Key", ApprovalsApiFactory.ApiKey),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")));
    }
}
