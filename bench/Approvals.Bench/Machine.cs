using System.Globalization;

namespace Approvals.Bench;

/// <summary>The machine the figures were measured on, for the report: CPU model, cores, memory.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? "unknown CPU";
        var memoryKilobytes = ReadField("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        var memory = long.TryParse(memoryKilobytes, NumberStyles.None, CultureInfo.InvariantCulture, out var kb)
            ? string.Create(CultureInfo.InvariantCulture, $", {kb / (1024.0 * 1024):0} GB RAM")
            : "";
        return string.Create(CultureInfo.InvariantCulture, $"{cpu} ({Environment.ProcessorCount} cores{memory})");
    }

    /// <summary>The value of the first "name : value" line of a /proc file.</summary>
    private static string? ReadField(string path, string name)
    {
        try
        {
            return File.ReadLines(path)
                .Where(line => line.StartsWith(name, StringComparison.Ordinal))
                .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
