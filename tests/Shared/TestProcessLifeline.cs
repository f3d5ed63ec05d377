using System.Diagnostics;

namespace Approvals.Testing;

/// <summary>
/// Makes sure what a test process starts outside itself (a PostgreSQL cluster, a RabbitMQ node) never outlives it. A
/// small shell is started in its own session (<c>setsid -f</c>, so neither Ctrl+C nor a kill of the test process tree
/// reaches it) and blocks reading a pipe whose only writer is the test process; the kernel closes that pipe however
/// the test process ends (release, normal exit, crash, SIGKILL, a test host the runner kills before its exit handlers
/// finish), and the shell then runs its cleanup. No polling, no pid that could be reused.
/// The shell keeps its standard output (a pipe this process reads) open until it exits, and gives its children
/// <c>/dev/null</c>, so the end of that pipe tells <see cref="Release"/> that the cleanup is done.
/// </summary>
internal sealed class TestProcessLifeline
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    private readonly StreamWriter _pipe;
    private readonly StreamReader _output;

    private TestProcessLifeline(StreamWriter pipe, StreamReader output) => (_pipe, _output) = (pipe, output);

    /// <summary>
    /// Starts <paramref name="script"/> (named <paramref name="name"/> in <c>ps</c>) with <paramref name="arguments"/>
    /// as $1, $2, ...; the script waits for the end of its standard input (<c>cat &gt;/dev/null</c>) before it cleans up,
    /// writes nothing to its standard output and starts no long-lived child that inherits it.
    /// </summary>
    public static TestProcessLifeline Start(string name, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            // Redirected so the shell does not hold the test host's output open; read to its end by Release.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var argument in new[] { "-f", "sh", "-c", script, name }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        // The Process object (and with it the pipe's write end) lives as long as this lifeline, which its owner holds.
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name} (setsid).");
        return new TestProcessLifeline(process.StandardInput, process.StandardOutput);
    }

    /// <summary>
    /// Lets the shell go and waits until it has cleaned what is left (nothing, after its owner's own cleanup) and
    /// exited, so nothing of it still runs when its owner's disposal returns.
    /// </summary>
    public void Release()
    {
        _pipe.Close();
        // End of file once the shell (and every child holding its output) is gone; bounded, as disposal must return.
        _output.ReadToEndAsync().Wait(CleanupTimeout);
    }
}
