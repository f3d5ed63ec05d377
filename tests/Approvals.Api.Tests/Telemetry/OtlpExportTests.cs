using System.Collections.Concurrent;
using System.Net;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>An OTLP/HTTP collector on a loopback port that records what it is sent, by signal path.</summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpCollector(WebApplication app, ConcurrentQueue<(string Path, string ContentType, long Bytes)> received)
    {
        _app = app;
        Received = received;
    }

    public ConcurrentQueue<(string Path, string ContentType, long Bytes)> Received { get; }

    public string Endpoint => _app.Urls.First();

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var received = new ConcurrentQueue<(string, string, long)>();
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path.Value!, context.Request.ContentType ?? "", body.Length));
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        return new OtlpCollector(app, received);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>The API with telemetry on and <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> naming a collector of the test's.</summary>
public sealed class OtlpApiFactory : ApprovalsApiFactory
{
    public OtlpCollector Collector { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        TelemetryCollection.On,
        new("OTEL_EXPORTER_OTLP_ENDPOINT", Collector.Endpoint),
        new("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        // Export within a fraction of a second rather than the defaults' 5 (traces) and 60 (metrics) seconds.
        new("OTEL_BSP_SCHEDULE_DELAY", "100"),
        new("OTEL_METRIC_EXPORT_INTERVAL", "200"),
    ];

    public override async Task InitializeAsync()
    {
        Collector = await OtlpCollector.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Collector.DisposeAsync();
    }
}

/// <summary>With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, traces and metrics go to that collector over OTLP.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class OtlpExportTests(OtlpApiFactory factory) : ApiTestBase<OtlpApiFactory>(factory)
{
    [Fact]
    public async Task Traces_and_metrics_reach_the_collector_named_by_the_otlp_endpoint()
    {
        var id = await CreateApprovalIdAsync("Exported", [await ServiceRuleAsync()]);
        await AssertStatusAsync(await DecideAsync(id, "approve"), HttpStatusCode.Accepted);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(HasReceived("/v1/traces") && HasReceived("/v1/metrics")))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"The collector received only {string.Join(", ", Factory.Collector.Received.Select(r => r.Path).Distinct())}.");
            await Task.Delay(50);
        }

        Assert.All(Factory.Collector.Received, r => Assert.Equal("application/x-protobuf", r.ContentType));
    }

    private bool HasReceived(string path) => Factory.Collector.Received.Any(r => r.Path == path && r.Bytes > 0);
}
