using System.Globalization;
using Approvals.Bench;

if (args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
BenchPaths paths;
IReadOnlyList<(BenchTransport Transport, IReadOnlyList<IScenario> Scenarios)> stages;
try
{
    options = BenchOptions.Parse(args);
    paths = BenchPaths.Find();
    stages = RunPlan.Of(ScenarioCatalog.Resolve(options.Scenarios), options.Transports);
}
catch (UsageException exception)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.CheckScriptsOnly)
{
    return ScriptCheck.Run(paths, options);
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop the load, then the services and the cluster, rather than leaving them behind.
    e.Cancel = true;
    cancellation.Cancel();
};

var results = new List<ScenarioResult>();
try
{
    await using var environment = await BenchEnvironment.StartAsync(options, paths, cancellation.Token);
    foreach (var (transport, scenarios) in stages)
    {
        // One transport's services at a time: the two cores are never shared between them.
        await using var stack = await environment.StartStackAsync(transport, scenarios.Any(s => s.NeedsDelivery), cancellation.Token);
        foreach (var scenario in scenarios)
        {
            var result = await scenario.RunAsync(stack.Context, cancellation.Token);
            results.Add(scenario.RunsOn(options.Transports) is null ? result : result with { Transport = transport });
        }
    }
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or FormatException or IOException or Npgsql.NpgsqlException)
{
    // A tool, a service or the database failed: say which, without a stack trace.
    Console.Error.WriteLine($"The benchmark failed: {exception.Message}");
    return 1;
}

var report = Report.Build(results, options, Machine.Describe(), DateTimeOffset.UtcNow);
Console.WriteLine();
Console.WriteLine(report);
if (options.Output != "-")
{
    var output = Path.Combine(paths.Root, options.Output);
    Report.WriteInto(output, report);
    Console.WriteLine($"Written to {Path.GetRelativePath(Environment.CurrentDirectory, output)}.");
}

var missed = Report.CheckTargets(results).Count(t => !t.Met);
if (missed > 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{missed} target(s) missed."));
    return 1;
}

return 0;
