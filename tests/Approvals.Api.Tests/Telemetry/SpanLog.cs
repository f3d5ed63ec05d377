using System.Collections;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>
/// The spans a service's tracer provider exported (its OpenTelemetry pipeline, through the in-memory exporter), safe
/// to read while the service keeps adding to it. A tracer provider listens to every instance of its sources in the
/// process, so tests pick their spans out by trace id.
/// </summary>
public sealed class SpanLog : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    /// <summary>Adds the in-memory exporter, writing into this log, to the tracer provider of <paramref name="services"/>.</summary>
    public void ExportFrom(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(this));

    public List<Activity> OfTrace(ActivityTraceId traceId)
    {
        lock (_lock)
        {
            return [.. _spans.Where(s => s.TraceId == traceId)];
        }
    }

    public List<Activity> Where(Func<Activity, bool> predicate)
    {
        lock (_lock)
        {
            return [.. _spans.Where(predicate)];
        }
    }

    public void Add(Activity item)
    {
        lock (_lock)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_lock)
        {
            return _spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_lock)
        {
            _spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_lock)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator()
    {
        lock (_lock)
        {
            return _spans.ToList().GetEnumerator();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
