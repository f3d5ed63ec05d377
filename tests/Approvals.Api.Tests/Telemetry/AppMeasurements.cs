using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Approvals.Api.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>One measurement of an instrument, with its tags.</summary>
public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>
/// The measurements of one service's <c>Approvals</c> meter, and of no other service in the test process: the meter of
/// its own meter factory (which hands the service the same instance), listened to by instance, not by name.
/// </summary>
public sealed class AppMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measured = new();

    public AppMeasurements(IServiceProvider services)
    {
        _ = services.GetRequiredService<ApprovalsMetrics>();
        var meter = services.GetRequiredService<IMeterFactory>().Create(ApprovalsMetrics.MeterName);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public List<Measured> Of(string instrument) => [.. _measured.Where(m => m.Instrument == instrument)];

    /// <summary>Asks the observable gauges for their values now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        _measured.Enqueue(new Measured(instrument.Name, value, copy));
    }
}
