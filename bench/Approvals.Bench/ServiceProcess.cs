using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Approvals.Bench;

/// <summary>
/// One of the project's services (ApprovalService, later UserService) built in Release and run as a child process on
/// a free loopback port. It can be started, killed with SIGKILL and restarted on the same port, and it reports its
/// peak resident memory. Its output goes to a log file in the results folder.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly string _assemblyPath;
    private readonly string _readinessPath;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly IReadOnlyList<string> _arguments;
    private readonly StreamWriter _log;
    private Process? _process;

    private ServiceProcess(
        string name, string assemblyPath, string readinessPath, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, string logPath)
    {
        Name = name;
        _arguments = arguments;
        _assemblyPath = assemblyPath;
        _readinessPath = readinessPath;
        BaseUrl = new Uri($"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}");
        // Urls as well: an appsettings.json "Urls" (UserService has one) overrides ASPNETCORE_URLS, plain variables override both.
        var url = BaseUrl.ToString().TrimEnd('/');
        _environment = new Dictionary<string, string>(environment) { ["ASPNETCORE_URLS"] = url, ["Urls"] = url };
        _log = new StreamWriter(logPath, append: false) { AutoFlush = true };
    }

    public string Name { get; }

    public Uri BaseUrl { get; }

    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>Builds the project in Release; its processes are made from the result (<see cref="ServiceBuild.Create"/>).</summary>
    public static async Task<ServiceBuild> BuildAsync(string name, string projectDirectory, string readinessPath, CancellationToken cancellationToken)
    {
        Console.WriteLine($"Building {name} (Release)...");
        var build = await Commands.RunAsync("dotnet", ["build", "-c", "Release", "--nologo", "-v", "quiet", projectDirectory],
            TimeSpan.FromMinutes(8), cancellationToken);
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"Building {projectDirectory} failed, {build.Describe()}");
        }

        var projectName = Path.GetFileName(projectDirectory.TrimEnd('/'));
        var assembly = Path.Combine(projectDirectory, "bin", "Release", "net10.0", projectName + ".dll");
        return File.Exists(assembly)
            ? new ServiceBuild(assembly, readinessPath)
            : throw new InvalidOperationException($"The build did not produce {assembly}.");
    }

    /// <summary>A built service: any number of (not yet started) processes can be made from it.</summary>
    public sealed record ServiceBuild(string AssemblyPath, string ReadinessPath)
    {
        /// <summary>A process on a free port of its own, with these settings, command-line arguments (e.g. <c>--role worker</c>) and log file.</summary>
        public ServiceProcess Create(string name, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, string logPath) =>
            new(name, AssemblyPath, ReadinessPath, environment, arguments, logPath);
    }

    /// <summary>Starts the process and waits until its readiness route answers 2xx.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (ProcessId is not null)
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The content root (appsettings.json) is the working directory.
            WorkingDirectory = Path.GetDirectoryName(_assemblyPath)!,
        };
        start.ArgumentList.Add(_assemblyPath);
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _process?.Dispose(); // killed or stopped: a restart
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Name}.");
        _process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        _process.ErrorDataReceived += (_, e) => WriteLog(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>SIGTERM and a graceful shutdown; SIGKILL when it takes longer than ten seconds.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        await Commands.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5), CancellationToken.None);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        _process?.Dispose();
        _process = null;
        await StartAsync(cancellationToken);
    }

    /// <summary>Starts a new peak-memory window: the kernel resets VmHWM to the current RSS.</summary>
    public void ResetPeakMemory()
    {
        if (ProcessId is { } pid)
        {
            File.WriteAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/clear_refs", "5");
        }
    }

    /// <summary>Peak resident set size since start or the last <see cref="ResetPeakMemory"/>, in bytes.</summary>
    public long? PeakMemoryBytes() => ProcessId is { } pid ? ProcStatus.PeakResidentBytes(pid) : null;

    /// <summary>CPU time (user and system, all threads) used since start: per request, it is a figure that noise hardly moves.</summary>
    public TimeSpan? CpuTime() => ProcessId is { } pid ? ProcStatus.CpuTime(pid) : null;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        await _log.DisposeAsync();
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} while starting; see {((FileStream)_log.BaseStream).Name}.");
            }

            try
            {
                using var response = await client.GetAsync(_readinessPath, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not ready at {_readinessPath} within {StartTimeout.TotalSeconds} s.");
    }

    private void WriteLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
