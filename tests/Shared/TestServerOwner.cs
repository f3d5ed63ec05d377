using System.Globalization;

namespace Approvals.Testing;

/// <summary>
/// The test (or benchmark) process that owns a throwaway server's temp folder (a PostgreSQL cluster, a RabbitMQ node):
/// its pid and its start time, written into the folder as <see cref="FileName"/>. A process killed without cleaning up
/// leaves its folder, and maybe its server, behind; the next run sweeps every folder whose owner is gone. The start
/// time tells a live owner from an unrelated process that got its pid later (a pid alone would keep such a folder
/// for as long as that process runs). Linux only (<c>/proc</c>).
/// </summary>
internal sealed record TestServerOwner(int ProcessId, long StartTime)
{
    public const string FileName = "owner";

    /// <summary>This process.</summary>
    public static TestServerOwner Current { get; } = Of(Environment.ProcessId) ?? new(Environment.ProcessId, 0);

    /// <summary>The process running with <paramref name="pid"/> now, or null when none does (a zombie counts as gone).</summary>
    public static TestServerOwner? Of(int pid)
    {
        try
        {
            // pid (comm) state ppid ... with starttime the 22nd field; comm may hold spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : new TestServerOwner(pid, long.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public bool IsAlive => Of(ProcessId) == this;

    /// <summary>Writes this owner into <paramref name="folder"/>.</summary>
    public void WriteTo(string folder) =>
        File.WriteAllText(Path.Combine(folder, FileName), string.Create(CultureInfo.InvariantCulture, $"{ProcessId} {StartTime}\n"));

    /// <summary>
    /// Whether <paramref name="folder"/>'s owner is gone. A folder without an owner file (made by an older version of
    /// the test servers, or one whose owner died while creating it) goes by the pid in its name after
    /// <paramref name="prefix"/>; a folder that says nothing about its owner is left alone.
    /// </summary>
    public static bool IsGone(string folder, string prefix)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(folder, FileName));
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            var name = Path.GetFileName(folder)[prefix.Length..];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            return dash > 0 && int.TryParse(name[..dash], CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && Of(pid) is null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var ownerPid)
            && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var startTime)
            && !new TestServerOwner(ownerPid, startTime).IsAlive;
    }
}
