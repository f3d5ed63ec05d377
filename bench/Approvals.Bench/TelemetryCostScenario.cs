using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// What telemetry costs under one HTTP load: the stack's ApprovalService (telemetry off, as every scenario runs it)
/// and a second one started like it on the same database with <c>Telemetry__Enabled=true</c> (traces of every request
/// and database command, the metrics; no collector, so no export), each warmed up, then measured in alternating
/// rounds (off then on, on then off, ...) so that both see the same background load. Target: telemetry on serves at
/// least 95 % of the requests per second of telemetry off.
/// </summary>
internal sealed class TelemetryCostScenario(string name, string description, HttpLoad load) : IScenario
{
    public const double TargetRatio = 0.95;

    public string Name => name;

    public string Description => description;

    public bool NeedsDelivery => false;

    public IReadOnlyList<BenchTransport>? RunsOn(IReadOnlyList<BenchTransport> chosen) => null;

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (context.ApprovalsLaunch is not { } launch || context.Approvals is not { } off)
        {
            throw new InvalidOperationException($"{name} compares two ApprovalService processes the tool starts; it cannot run with --approvals-url.");
        }

        var options = context.Options;
        var settings = new Dictionary<string, string>(launch.Settings)
        {
            ["Telemetry__Enabled"] = "true",
            ["Database__MigrateOnStartup"] = "false",
        };
        await using var on = launch.Build.Create("ApprovalService (telemetry on)", settings, launch.Arguments,
            Path.Combine(context.Paths.Results, $"approval-service-{name}.log"));
        await on.StartAsync(cancellationToken);
        Console.WriteLine($"[{name}] {description}: ApprovalService with telemetry on, {on.BaseUrl} (pid {on.ProcessId}), beside {context.ApprovalsUrl} with it off");

        var script = context.Paths.WrkScript(load.WrkScript);
        await load.PrepareAsync(context, cancellationToken);
        on.ResetPeakMemory();
        foreach (var service in new[] { off, on })
        {
            if (options.WarmupSeconds > 0)
            {
                var arguments = await load.ArgumentsAsync(context, options.WarmupSeconds, cancellationToken);
                load.Finished(await context.Wrk.RunAsync(service.BaseUrl, script, options.WarmupSeconds, arguments, cancellationToken));
            }
        }

        var roundSeconds = Math.Max(1, options.DurationSeconds / options.Rounds);
        var measured = new Dictionary<ServiceProcess, (List<LoadResult> Loads, TimeSpan Cpu)> { [off] = ([], TimeSpan.Zero), [on] = ([], TimeSpan.Zero) };
        for (var round = 1; round <= options.Rounds; round++)
        {
            // Alternating which goes first, so neither always follows the other's load.
            foreach (var service in round % 2 == 1 ? new[] { off, on } : [on, off])
            {
                var arguments = await load.ArgumentsAsync(context, roundSeconds, cancellationToken);
                var cpuBefore = service.CpuTime();
                var result = await context.Wrk.RunAsync(service.BaseUrl, script, roundSeconds, arguments, cancellationToken);
                load.Finished(result);
                var (loads, cpu) = measured[service];
                loads.Add(result);
                measured[service] = (loads, cpu + (service.CpuTime() - cpuBefore ?? TimeSpan.Zero));
                Console.WriteLine($"[{name}] round {round}, telemetry {(service == on ? "on" : "off")}: {result.RequestsPerSecond:0} requests/s, p50 {Report.Milliseconds(result.P50)}, p99 {Report.Milliseconds(result.P99)}, {result.Errors} errors");
            }
        }

        await load.CheckAfterAsync(context, cancellationToken);
        var offLoad = LoadResult.Combine(measured[off].Loads);
        var onLoad = LoadResult.Combine(measured[on].Loads);
        var ratio = offLoad.RequestsPerSecond > 0 ? onLoad.RequestsPerSecond / offLoad.RequestsPerSecond : 0;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{name}: telemetry on {onLoad.RequestsPerSecond:0} requests/s against {offLoad.RequestsPerSecond:0} off, {ratio:P1} (target at least {TargetRatio:P0})");
        return new ScenarioResult(name, onLoad, on.PeakMemoryBytes(), CpuPerRequest(measured[on].Cpu, onLoad), [])
        {
            Warmup = TimeSpan.FromSeconds(options.WarmupSeconds),
            Notes =
            [
                text,
                $"{name}: service CPU per request {Report.Microseconds(CpuPerRequest(measured[on].Cpu, onLoad))} on, {Report.Microseconds(CpuPerRequest(measured[off].Cpu, offLoad))} off; p99 {Report.Milliseconds(onLoad.P99)} on, {Report.Milliseconds(offLoad.P99)} off.",
            ],
            Checks = [new TargetCheck(text + (onLoad.Errors + offLoad.Errors == 0 ? ", no errors" : $", {onLoad.Errors + offLoad.Errors} errors"),
                ratio >= TargetRatio && onLoad.Errors + offLoad.Errors == 0)],
        };
    }

    private static TimeSpan? CpuPerRequest(TimeSpan cpu, LoadResult load) => load.Requests > 0 ? cpu / load.Requests : null;
}
