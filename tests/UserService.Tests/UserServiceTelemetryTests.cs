using System.Net;
using Approvals.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace UserService.Tests;

/// <summary>
/// Runs alone, after the other classes: meter providers listen to meters by name across the process, so another
/// UserService running beside it would count into its figures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}

/// <summary>UserService's telemetry: its HTTP server metrics at <c>/metrics</c>, and its settings checked on start.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class UserServiceTelemetryTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Metrics_count_the_deliveries_it_answers_in_the_prometheus_text_format()
    {
        await using var server = await UserServiceServer.StartAsync(_clock, settings: new Dictionary<string, string?> { ["Telemetry:Enabled"] = "true" });

        var delivered = await server.Client.SendAsync(server.CreateDelivery(Guid.NewGuid(), 3));
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);

        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("http_server_request_duration_seconds_count{", text, StringComparison.Ordinal);
        Assert.Contains(text.Split('\n'), line => line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/approval\"", StringComparison.Ordinal) && line.Contains("http_response_status_code=\"200\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Telemetry_off_serves_no_metrics()
    {
        await using var server = await UserServiceServer.StartAsync(_clock, settings: new Dictionary<string, string?> { ["Telemetry:Enabled"] = "false" });

        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/metrics")).StatusCode);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("Telemetry:ServiceName", " ", "Telemetry:ServiceName")]
    public async Task Bad_telemetry_settings_stop_the_start(string key, string value, string named)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            UserServiceServer.StartAsync(_clock, settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }
}
