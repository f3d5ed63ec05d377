using System.Diagnostics;
using System.Text;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>
/// ApprovalService as a process of its own with <c>--role worker</c> (on the real clock), for tests that kill it
/// with SIGKILL: no shutdown, no hand-back, no commit of whatever it was doing.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private WorkerProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote so far (standard error and output), for failure messages.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts it on <paramref name="connectionString"/>'s database with <paramref name="settings"/> (configuration keys).</summary>
    public static WorkerProcess Start(string connectionString, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Approvals.Api.dll"), "--role", "worker", "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__Approvals"] = connectionString;
        start.Environment["Database__MigrateOnStartup"] = "false";
        start.Environment["Delivery__AllowPrivateNetworks"] = "true"; // the test UserService is on 127.0.0.1
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var worker = new WorkerProcess(Process.Start(start)!);

        // Both pipes drained, so the process never blocks on a full one.
        worker._process.OutputDataReceived += (_, line) => worker.Append(line.Data);
        worker._process.ErrorDataReceived += (_, line) => worker.Append(line.Data);
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    private void Append(string? line)
    {
        lock (_errors)
        {
            // The last lines say what it was doing; keep those.
            _errors.AppendLine(line);
            if (_errors.Length > 20_000)
            {
                _errors.Remove(0, _errors.Length - 15_000);
            }
        }
    }

    /// <summary>SIGKILL, and wait until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
