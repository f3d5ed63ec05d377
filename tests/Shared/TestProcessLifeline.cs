using System.Diagnostics;

namespace Approvals.Testing;

/// <summary>
/// Makes sure what a test process starts outside itself (a PostgreSQL cluster, a RabbitMQ node) never outlives it. A
/// small shell is started in its own session (<c>setsid -f</c>, so neither Ctrl+C nor a kill of the test process tree
/// reaches it) and blocks reading a pipe whose only writer is the test process; the kernel closes that pipe however
/// the test process ends (release, normal exit, crash, SIGKILL, a test host the runner kills before its exit handlers
/// finish), and the shell then runs its cleanup. No polling, no pid that could be reused.
/// </summary>
internal sealed class TestProcessLifeline
{
    private readonly StreamWriter _pipe;

    private TestProcessLifeline(StreamWriter pipe) => _pipe = pipe;

    /// <summary>
    /// Starts <paramref name="script"/> (named <paramref name="name"/> in <c>ps</c>) with <paramref name="arguments"/>
    /// as $1, $2, ...; the script waits for the end of its standard input (<c>cat &gt;/dev/null</c>) before it cleans up.
    /// </summary>
    public static TestProcessLifeline Start(string name, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            // Redirected (and never read) so the shell does not hold the test host's output open.
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
        return new TestProcessLifeline(process.StandardInput);
    }

    /// <summary>Lets the shell go: it cleans what is left (nothing, after its owner's own cleanup) and exits.</summary>
    public void Release() => _pipe.Close();
}
