using System.Diagnostics;
using System.Globalization;

namespace Approvals.Testing;

/// <summary>
/// Makes sure a test RabbitMQ node never outlives the test process. A detached node (and epmd) is no child of the test
/// process, so nothing stops it when that process is killed. Each node therefore gets a watchdog, a
/// <see cref="TestProcessLifeline"/> that starts the node's epmd and, once the test process has ended however it did,
/// kills the node and epmd and deletes the node's folder.
/// As a second line, a node folder whose owning process is gone (its watchdog was killed too) is cleaned when the next
/// node starts (<see cref="CleanOrphans"/>). A pid is killed only if its command line still names the folder (the node)
/// or epmd.
/// </summary>
internal sealed class RabbitMqNodeWatchdog
{
    public const string NodePidFile = "node.pid";
    public const string EpmdPidFile = "epmd.pid";

    // $1 = watch|clean, $2 = the node's folder; for watch also $3 = epmd port, $4 = 1 to run epmd as the rabbitmq user.
    private const string Script = """
        folder=$2
        # Kills the process whose pid is in the file $1 when its command line contains $2, and waits until it is gone.
        stop() {
          pid=$(cat "$folder/$1" 2>/dev/null) || return 0
          tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 0
          kill -KILL "$pid" 2>/dev/null
          for _ in $(seq 100); do
            grep -qs '^State:[[:space:]]*[^Z]' "/proc/$pid/status" || return 0
            sleep 0.1
          done
        }
        if [ "$1" = watch ]; then
          exec 2>/dev/null # standard output stays open until the end: it tells the test process the cleanup is done
          epmd=epmd
          [ "$4" = 1 ] && epmd="setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups epmd"
          # Loopback only; epmd always adds [::1] as well.
          $epmd -port "$3" -address 127.0.0.1 </dev/null >/dev/null &
          echo $! >"$folder/epmd.pid"
          cat >/dev/null # returns at end of file: the test process closed its end or died
        fi
        stop node.pid "$folder/"
        stop epmd.pid epmd
        rm -rf "$folder"
        """;

    private readonly TestProcessLifeline _lifeline;

    private RabbitMqNodeWatchdog(TestProcessLifeline lifeline) => _lifeline = lifeline;

    /// <summary>Starts the watchdog, which starts the node's epmd on 127.0.0.1:<paramref name="epmdPort"/>.</summary>
    public static RabbitMqNodeWatchdog Start(string folder, int epmdPort, bool epmdAsRabbitMq) =>
        new(TestProcessLifeline.Start("rabbitmq-node-watchdog", Script, "watch", folder, epmdPort.ToString(CultureInfo.InvariantCulture), epmdAsRabbitMq ? "1" : "0"));

    /// <summary>Lets the watchdog go: it cleans what is left (nothing after <see cref="Clean"/>) and exits.</summary>
    public void Release() => _lifeline.Release();

    /// <summary>Kills the node and its epmd and deletes the folder, now; waits until they are gone.</summary>
    public static void Clean(string folder)
    {
        var start = new ProcessStartInfo("sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in new[] { "-c", Script, "rabbitmq-node-cleanup", "clean", folder })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start sh.");
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        errors.Wait();
    }

    /// <summary>
    /// Cleans the node folders under <paramref name="root"/> whose owning process is gone (<see cref="TestServerOwner"/>:
    /// killed, or its pid now another process's), left by test processes whose watchdog was killed as well; returns them.
    /// </summary>
    public static List<string> CleanOrphans(string root, string folderPrefix)
    {
        var cleaned = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(root, folderPrefix + "*"))
        {
            if (TestServerOwner.IsGone(folder, folderPrefix))
            {
                Clean(folder);
                cleaned.Add(folder);
            }
        }

        return cleaned;
    }
}
