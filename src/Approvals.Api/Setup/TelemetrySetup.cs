using Approvals.Api.Http;
using Approvals.Api.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Approvals.Api;

/// <summary>
/// OpenTelemetry (docs/observability.md): traces of requests, database commands, HTTP calls and delivery attempts;
/// metrics of the service's own Meter and ASP.NET Core's; <c>/metrics</c> in the Prometheus text format; OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Nothing of it is registered when <c>Telemetry:Enabled</c> is false.
/// </summary>
public static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// ASP.NET Core's meters of the standard HTTP server metrics (<c>http.server.request.duration</c>,
    /// <c>http.server.active_requests</c>) and of Kestrel's connections. Its other meters (routing, authentication,
    /// authorization, memory pools) would add several measurements to every request for figures nobody asked for.
    /// </summary>
    public static readonly string[] HttpServerMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    public static WebApplicationBuilder AddApprovalsTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.Section)
            .ValidateDataAnnotations()
            .Validate<IConfiguration>(
                (_, configuration) => TelemetryOptions.IsUsableOtlpEndpoint(configuration[TelemetryOptions.OtlpEndpointVariable]),
                TelemetryOptions.OtlpEndpointError)
            .ValidateOnStart();

        // The instruments exist either way (recording into them costs nothing while nothing listens).
        services.AddSingleton<ApprovalsMetrics>();

        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
        {
            return builder;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithTracing(tracing => tracing
                .AddSource(ApprovalsTelemetry.SourceName)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsOperatorEndpoint(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([ApprovalsMetrics.MeterName, .. HttpServerMeters]);
                if (options.PrometheusEndpoint)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        var otlpEndpoint = builder.Configuration[TelemetryOptions.OtlpEndpointVariable];
        if (!string.IsNullOrWhiteSpace(otlpEndpoint) && TelemetryOptions.IsUsableOtlpEndpoint(otlpEndpoint))
        {
            // An unusable endpoint is left to the options' validation, which stops the start with a clear message.
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// <c>/metrics</c>, for anyone who can reach the service, as the health checks are: it holds counts and durations by
    /// outcome, service rule id and route template, no approval, person, key or URL (docs/security.md).
    /// </summary>
    public static WebApplication MapApprovalsMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (options is { Enabled: true, PrometheusEndpoint: true })
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        }

        return app;
    }

    /// <summary>Probes and scrapes, which are not traced: they would bury the requests worth looking at.</summary>
    public static bool IsOperatorEndpoint(PathString path) =>
        RateLimiting.IsHealthProbe(path) || path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase);
}
