using System.Globalization;

namespace Approvals.Bench;

/// <summary>Reads a process's figures from /proc.</summary>
internal static class ProcStatus
{
    /// <summary>Linux reports CPU times to user space in USER_HZ ticks, 100 per second.</summary>
    private const int TicksPerSecond = 100;

    /// <summary>Peak resident set size (VmHWM), in bytes.</summary>
    public static long? PeakResidentBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    /// <summary>Resident set size now (VmRSS), in bytes.</summary>
    public static long? ResidentBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>CPU time of this process's finished child processes (cutime + cstime): a tool's cost once it has exited.</summary>
    public static TimeSpan FinishedChildrenCpuTime()
    {
        var fields = StatFields(File.ReadAllText("/proc/self/stat"));
        return Ticks(long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture));
    }

    /// <summary>CPU time (user and system, all threads) used since start.</summary>
    public static TimeSpan? CpuTime(int pid) => ReadCpu(pid, withFinishedChildren: false);

    /// <summary>
    /// CPU time of the process and of its children that have exited and been waited for (utime + stime + cutime +
    /// cstime): a PostgreSQL backend's time stays counted in the postmaster after its connection closes.
    /// </summary>
    public static TimeSpan? CpuTimeWithFinishedChildren(int pid) => ReadCpu(pid, withFinishedChildren: true);

    /// <summary>The processes whose parent is <paramref name="parent"/>.</summary>
    public static IReadOnlyList<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // The 2nd field after the command name is the parent's pid.
                if (int.Parse(StatFields(File.ReadAllText(Path.Combine(directory, "stat")))[1], CultureInfo.InvariantCulture) == parent)
                {
                    children.Add(pid);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return children;
    }

    public static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");

    private static TimeSpan? ReadCpu(int pid, bool withFinishedChildren)
    {
        try
        {
            // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the
            // 12th and 13th, cutime and cstime the 14th and 15th.
            var fields = StatFields(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            if (withFinishedChildren)
            {
                ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }

            return Ticks(ticks);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] StatFields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    private static TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds((double)ticks / TicksPerSecond);

    private static long? StatusKilobytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                // "VmHWM:    123456 kB"
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process is gone.
        }

        return null;
    }
}
