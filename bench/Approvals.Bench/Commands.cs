using System.Diagnostics;

namespace Approvals.Bench;

/// <summary>The outcome of one external command: exit code and everything it printed.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Error)
{
    /// <summary>The exit code and the start of what the command printed (tools such as pgbench repeat an error per client).</summary>
    public string Describe()
    {
        var printed = $"{Error.Trim()}\n{Output.Trim()}".Trim();
        return $"exit code {ExitCode}: {(printed.Length > 1500 ? printed[..1500] + " …" : printed)}";
    }
}

/// <summary>Runs external tools (dotnet, wrk, pgbench, apt-get) to completion, each bounded in time.</summary>
internal static class Commands
{
    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{program} did not finish within {timeout.TotalSeconds:0} s.");
        }

        return new CommandResult(process.ExitCode, await output, await error);
    }

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    public static bool RunningAsRoot => Environment.UserName == "root";
}
