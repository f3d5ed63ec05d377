using System.Diagnostics;
using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// Samples the machine's CPU counters (/proc/stat) every 100 ms while a phase runs, for the time the hypervisor took
/// from this virtual machine (steal) and the time its cores waited for the disk (iowait). Both full runs of session
/// six had all of the slowest 1 % of decisions inside one window of under a second in which every process was slow
/// and no autovacuum ran; this says whether the host was the cause.
/// </summary>
internal sealed class CpuStealMonitor : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly double MillisecondsPerTick = 1000.0 / 100; // USER_HZ is 100 on Linux.

    private readonly List<(TimeSpan At, long Steal, long IoWait)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _sampling;

    private CpuStealMonitor() => _sampling = SampleAsync();

    public static CpuStealMonitor Start() => new();

    /// <summary>
    /// Stops sampling and describes the phase: total steal and iowait, and the second with the most steal.
    /// </summary>
    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        if (_samples.Count < 2)
        {
            return "CPU steal not available";
        }

        var steal = (_samples[^1].Steal - _samples[0].Steal) * MillisecondsPerTick;
        var ioWait = (_samples[^1].IoWait - _samples[0].IoWait) * MillisecondsPerTick;
        var (worstAt, worstSteal) = (TimeSpan.Zero, 0.0);
        for (int first = 0, last = 0; last < _samples.Count; last++)
        {
            while (_samples[last].At - _samples[first].At > TimeSpan.FromSeconds(1))
            {
                first++;
            }

            var inWindow = (_samples[last].Steal - _samples[first].Steal) * MillisecondsPerTick;
            if (inWindow > worstSteal)
            {
                (worstAt, worstSteal) = (_samples[first].At, inWindow);
            }
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"the hypervisor took {steal:0} ms of CPU time (steal, all cores) during the phase, " +
            $"at most {worstSteal:0} ms in one second (from {worstAt.TotalSeconds:0.0} s), " +
            $"and the cores waited {ioWait:0} ms for the disk");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            if (Read() is { } sample)
            {
                _samples.Add((_clock.Elapsed, sample.Steal, sample.IoWait));
            }
        }
        while (await NextAsync(timer));
    }

    private async Task<bool> NextAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The "cpu" line: user nice system idle iowait irq softirq steal ...</summary>
    private static (long Steal, long IoWait)? Read()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 8 ? (Ticks(fields[8]), Ticks(fields[5])) : null;
        }
        catch (IOException)
        {
            return null;
        }

        static long Ticks(string field) => long.Parse(field, CultureInfo.InvariantCulture);
    }
}
