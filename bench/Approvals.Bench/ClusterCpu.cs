using System.Globalization;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// CPU time of the whole PostgreSQL cluster: the postmaster's own, that of its live children (backends, autovacuum,
/// the background processes) and that of the children that have exited (cutime + cstime of the postmaster, which
/// waits for each one). Read before and after a phase, the difference is what the database spent on it, whichever
/// process it ran in. The postmaster's pid comes from postmaster.pid in the data directory (the tool runs where the
/// cluster is); null when it cannot be read, e.g. a server elsewhere.
/// </summary>
internal sealed class ClusterCpu(string connectionString)
{
    private int? _postmaster;

    public async Task<TimeSpan?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_postmaster is not { } pid || !ProcStatus.IsRunning(pid))
        {
            // Resolved again after a restart (chaos-db).
            _postmaster = pid = await FindPostmasterAsync(cancellationToken) ?? 0;
        }

        if (pid == 0 || ProcStatus.CpuTimeWithFinishedChildren(pid) is not { } total)
        {
            return null;
        }

        foreach (var child in ProcStatus.ChildrenOf(pid))
        {
            total += ProcStatus.CpuTimeWithFinishedChildren(child) ?? TimeSpan.Zero;
        }

        return total;
    }

    private async Task<int?> FindPostmasterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("/* bench */ SELECT current_setting('data_directory')", connection);
            var directory = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
            var firstLine = (await File.ReadAllLinesAsync(Path.Combine(directory, "postmaster.pid"), cancellationToken))[0];
            return int.Parse(firstLine.Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PostgresException or FormatException)
        {
            Console.WriteLine($"PostgreSQL's CPU time is not available ({exception.Message}).");
            return null;
        }
    }
}
