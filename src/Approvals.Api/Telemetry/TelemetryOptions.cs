using System.ComponentModel.DataAnnotations;

namespace Approvals.Api.Telemetry;

/// <summary>Settings of traces and metrics (section <c>Telemetry</c>; docs/observability.md).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The environment variable that turns the OTLP exporter on (the OpenTelemetry SDK's own).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Off: no traces, no metrics, no <c>/metrics</c>, and no trace context stored with delivery jobs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Serve the metrics at <c>/metrics</c> in the Prometheus text format (when <see cref="Enabled"/>).</summary>
    public bool PrometheusEndpoint { get; set; } = true;

    /// <summary>The <c>service.name</c> of the traces and metrics.</summary>
    [Required, StringLength(100, MinimumLength = 1)]
    public string ServiceName { get; set; } = "approvals";

    /// <summary>
    /// How old the outbox's backlog figures may be when they are read: the statement behind them runs at most once per
    /// interval, however often the metrics are scraped, and only while they are.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OutboxRefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    public const string OtlpEndpointError = OtlpEndpointVariable + " must be an absolute http or https URL.";

    /// <summary>Whether <paramref name="endpoint"/> (the OTLP endpoint's setting) is unset or an http(s) URL the exporter can use.</summary>
    public static bool IsUsableOtlpEndpoint(string? endpoint) =>
        string.IsNullOrWhiteSpace(endpoint) || (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https");
}
