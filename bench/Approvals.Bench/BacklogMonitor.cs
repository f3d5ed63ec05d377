using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Approvals.Bench;

/// <summary>One second's look at the stack: decisions committed but not final, and the broker's resident memory.</summary>
internal readonly record struct BacklogSample(TimeSpan At, long Backlog, long? BrokerResidentBytes);

/// <summary>
/// Samples once a second while a phase runs: the backlog, i.e. the approvals in ACKNOWLEDGED_* (decided and committed,
/// delivery not finished: accepted minus completed decisions, since the data set has none in those statuses; one
/// index-only count on approvals' (status, deadline, id) index), and the RabbitMQ node's VmRSS when there is one.
/// Its query carries the <c>/* bench */</c> mark, so the statement counts leave it out.
/// </summary>
internal sealed class BacklogMonitor : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly List<BacklogSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly NpgsqlConnection _connection;
    private readonly Func<int?> _brokerPid;
    private Task _sampling = Task.CompletedTask;
    private TimeSpan? _loadEnd;

    private BacklogMonitor(NpgsqlConnection connection, Func<int?> brokerPid)
    {
        _connection = connection;
        _brokerPid = brokerPid;
    }

    public static async Task<BacklogMonitor> StartAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(context.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var monitor = new BacklogMonitor(connection, () => context.Broker?.NodeProcessId);
        monitor._sampling = monitor.SampleAsync();
        return monitor;
    }

    /// <summary>The load of the phase has ended (the rest is the drain).</summary>
    public void MarkLoadEnd() => _loadEnd = _clock.Elapsed;

    public async Task<BacklogSeries> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return new BacklogSeries([.. _samples], _loadEnd ?? _clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _sampling;
        }

        _stop.Dispose();
        await _connection.DisposeAsync();
    }

    private async Task SampleAsync()
    {
        await using var command = new NpgsqlCommand("/* bench */ SELECT count(*) FROM approvals WHERE status = ANY (@acknowledged)", _connection);
        command.Parameters.AddWithValue("acknowledged", DecisionOutcome.AcknowledgedStatuses);
        var next = TimeSpan.Zero;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await SampleOnceAsync(command, _stop.Token);
                next += Interval;
                if (next > _clock.Elapsed)
                {
                    await Task.Delay(next - _clock.Elapsed, _stop.Token);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped: one last sample, so the series ends with the state at the end of the phase.
            try
            {
                await SampleOnceAsync(command, CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // The series ends a second earlier.
            }
        }
        catch (NpgsqlException exception)
        {
            Console.WriteLine($"  backlog sampling stopped: {exception.Message}");
        }
    }

    private async Task SampleOnceAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var at = _clock.Elapsed;
        var backlog = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        var rss = _brokerPid() is { } pid ? ProcStatus.ResidentBytes(pid) : null;
        _samples.Add(new BacklogSample(at, backlog, rss));
    }
}

/// <summary>A phase's backlog samples, with where its load ended.</summary>
internal sealed record BacklogSeries(IReadOnlyList<BacklogSample> Samples, TimeSpan LoadEnd)
{
    /// <summary>Samples averaged at each end of the load for <see cref="Growth"/>: one sample is one noisy second.</summary>
    private const int EndSamples = 3;

    public static readonly BacklogSeries Empty = new([], TimeSpan.Zero);

    private IReadOnlyList<BacklogSample> DuringLoad => [.. Samples.Where(s => s.At <= LoadEnd)];

    public long Max => Samples.Count == 0 ? 0 : Samples.Max(s => s.Backlog);

    /// <summary>Mean of the first <see cref="EndSamples"/> samples of the load.</summary>
    public double AtStart => Mean(DuringLoad.Take(EndSamples));

    /// <summary>Mean of the last <see cref="EndSamples"/> samples of the load.</summary>
    public double AtLoadEnd => Mean(DuringLoad.TakeLast(EndSamples));

    /// <summary>How much the backlog grew over the load, end minus start (both averaged over three seconds).</summary>
    public double Growth => AtLoadEnd - AtStart;

    /// <summary>Least-squares slope of the backlog during the load, in decisions per second.</summary>
    public double Slope
    {
        get
        {
            var load = DuringLoad;
            if (load.Count < 2)
            {
                return 0;
            }

            var meanT = load.Average(s => s.At.TotalSeconds);
            var meanB = load.Average(s => (double)s.Backlog);
            var covariance = load.Sum(s => (s.At.TotalSeconds - meanT) * (s.Backlog - meanB));
            var variance = load.Sum(s => Math.Pow(s.At.TotalSeconds - meanT, 2));
            return variance == 0 ? 0 : covariance / variance;
        }
    }

    /// <summary>Seconds from the end of the load until the backlog was empty (null: never within the samples).</summary>
    public double? DrainSeconds => Samples.FirstOrDefault(s => s.At > LoadEnd && s.Backlog == 0) is { At: var at } && at > TimeSpan.Zero
        ? (at - LoadEnd).TotalSeconds
        : null;

    public long? BrokerPeakBytes => Samples.Max(s => s.BrokerResidentBytes);

    public long? BrokerEndBytes => Samples.Count == 0 ? null : Samples[^1].BrokerResidentBytes;

    /// <summary>One number per second, with a bar where the load ended: "0 12 30 … | 8 0".</summary>
    public string Compact()
    {
        var during = string.Join(' ', Samples.Where(s => s.At <= LoadEnd).Select(s => s.Backlog.ToString(CultureInfo.InvariantCulture)));
        var after = string.Join(' ', Samples.Where(s => s.At > LoadEnd).Select(s => s.Backlog.ToString(CultureInfo.InvariantCulture)));
        return after.Length == 0 ? during : $"{during} | {after}";
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"backlog max {Max:N0}, {AtStart:0} → {AtLoadEnd:0} over the load (slope {Slope:+0.0;-0.0;0}/s), " +
        $"{(DrainSeconds is { } drain ? $"empty {drain:0} s after it" : "not empty by the last sample")}");

    private static double Mean(IEnumerable<BacklogSample> samples)
    {
        var list = samples.ToList();
        return list.Count == 0 ? 0 : list.Average(s => (double)s.Backlog);
    }
}
