using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace UserService;

/// <summary>Settings of traces and metrics (section <c>Telemetry</c>), as the approval service has them.</summary>
public sealed class UserServiceTelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Off: no traces, no metrics, no <c>/metrics</c>.</summary>
    public bool Enabled { get; set; } = true;

    public string ServiceName { get; set; } = "userservice";
}

/// <summary>
/// OpenTelemetry for the sample downstream service: its requests continue the trace whose <c>traceparent</c> a
/// delivery carries (ASP.NET Core's instrumentation reads it), with its database commands and HTTP calls in it;
/// the standard HTTP server metrics (ASP.NET Core's hosting and Kestrel meters) at <c>/metrics</c>; OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class UserServiceTelemetry
{
    public const string MetricsPath = "/metrics";
    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddUserServiceTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<UserServiceTelemetryOptions>()
            .BindConfiguration(UserServiceTelemetryOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ServiceName), "Telemetry:ServiceName must not be empty.")
            .Validate<IConfiguration>(
                (_, configuration) => IsUsableOtlpEndpoint(configuration[OtlpEndpointVariable]),
                OtlpEndpointVariable + " must be an absolute http or https URL.")
            .ValidateOnStart();

        var options = builder.Configuration.GetSection(UserServiceTelemetryOptions.Section).Get<UserServiceTelemetryOptions>() ?? new();
        if (!options.Enabled)
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => context.Request.Path != MetricsPath)
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics.AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel").AddPrometheusExporter());
        var otlpEndpoint = builder.Configuration[OtlpEndpointVariable];
        if (!string.IsNullOrWhiteSpace(otlpEndpoint) && IsUsableOtlpEndpoint(otlpEndpoint))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsUsableOtlpEndpoint(string? endpoint) =>
        string.IsNullOrWhiteSpace(endpoint) || (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https");

    /// <summary><c>/metrics</c> (Prometheus text format), open as the approval service's is: counts and durations only.</summary>
    public static WebApplication MapUserServiceMetrics(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<UserServiceTelemetryOptions>>().Value.Enabled)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath);
        }

        return app;
    }
}
