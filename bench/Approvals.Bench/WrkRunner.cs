using System.Globalization;
using System.Text.RegularExpressions;

namespace Approvals.Bench;

/// <summary>What wrk measured: rate, latency percentiles, and every kind of failure it counts.</summary>
internal sealed record LoadResult(long Requests, TimeSpan Elapsed, TimeSpan P50, TimeSpan P99, long Non2xx, long SocketErrors)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public long Errors => Non2xx + SocketErrors;

    /// <summary>wrk's report as it printed it, with whatever the script's <c>done()</c> wrote; empty for combined rounds.</summary>
    public string Output { get; init; } = "";

    /// <summary>Several rounds as one: all requests over all the time, the median round's p50, the worst round's p99.</summary>
    public static LoadResult Combine(IReadOnlyList<LoadResult> rounds) => new(
        rounds.Sum(r => r.Requests),
        TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)),
        rounds.Select(r => r.P50).Order().ElementAt(rounds.Count / 2),
        rounds.Max(r => r.P99),
        rounds.Sum(r => r.Non2xx),
        rounds.Sum(r => r.SocketErrors));
}

/// <summary>
/// Drives HTTP load with wrk (closed loop: each connection sends its next request when the previous answer arrives),
/// with a Lua script from bench/wrk. Installs wrk with apt-get when it is missing and we are root.
/// </summary>
internal sealed partial class WrkRunner(int connections, int threads)
{
    private string? _wrk;

    public async Task EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        _wrk = Commands.FindOnPath("wrk");
        if (_wrk is not null)
        {
            return;
        }

        if (!Commands.RunningAsRoot)
        {
            throw new InvalidOperationException("wrk is not installed: run `sudo apt-get install wrk` (Debian package wrk) and try again.");
        }

        Console.WriteLine("Installing wrk with apt-get...");
        var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        string[][] steps = [["update", "-qq"], ["install", "-y", "-qq", "wrk"]];
        foreach (var step in steps)
        {
            var result = await Commands.RunAsync("apt-get", step, TimeSpan.FromMinutes(5), cancellationToken, environment);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"apt-get {string.Join(' ', step)} failed, {result.Describe()}");
            }
        }

        _wrk = Commands.FindOnPath("wrk") ?? throw new InvalidOperationException("apt-get installed wrk but it is not on PATH.");
    }

    /// <summary>Runs <paramref name="script"/> against <paramref name="baseUrl"/> for <paramref name="seconds"/>; the arguments go to the script's init().</summary>
    public async Task<LoadResult> RunAsync(Uri baseUrl, string script, int seconds, IReadOnlyList<string> scriptArguments, CancellationToken cancellationToken)
    {
        var wrk = _wrk ?? throw new InvalidOperationException("Call EnsureInstalledAsync first.");
        string[] arguments =
        [
            "-t", Invariant(threads), "-c", Invariant(connections), "-d", $"{Invariant(seconds)}s", "--timeout", "5s", "--latency",
            "-s", script, baseUrl.ToString().TrimEnd('/'), "--", .. scriptArguments,
        ];
        var result = await Commands.RunAsync(wrk, arguments, TimeSpan.FromSeconds(seconds + 60), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed, {result.Describe()}");
        }

        return Parse(result.Output);
    }

    /// <summary>Reads wrk's report (the format of wrk 4 with --latency).</summary>
    internal static LoadResult Parse(string output)
    {
        var requests = RequestsPattern().Match(output);
        if (!requests.Success)
        {
            throw new FormatException($"wrk printed no \"requests in\" line:\n{output}");
        }

        var socket = SocketErrorsPattern().Match(output);
        var socketErrors = socket.Success
            ? socket.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture))
            : 0;
        var non2xx = NonSuccessPattern().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new LoadResult(
            long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture),
            Duration(requests.Groups[2].Value, requests.Groups[3].Value),
            Percentile(output, "50%"),
            Percentile(output, "99%"),
            non2xx,
            socketErrors)
        {
            Output = output,
        };
    }

    private static TimeSpan Percentile(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            throw new FormatException($"wrk printed no {percentile} latency:\n{output}");
        }

        return Duration(match.Groups[1].Value, match.Groups[2].Value);
    }

    /// <summary>A wrk duration such as 812.00us, 1.25ms, 10.00s or 1.50m.</summary>
    private static TimeSpan Duration(string number, string unit)
    {
        var value = double.Parse(number, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => TimeSpan.FromMicroseconds(value),
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            _ => TimeSpan.FromMinutes(value),
        };
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),", RegexOptions.Multiline)]
    private static partial Regex RequestsPattern();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsPattern();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccessPattern();
}
