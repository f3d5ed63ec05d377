using Npgsql;

namespace Approvals.Bench;

/// <summary>One normalised statement as pg_stat_statements saw it during a measurement.</summary>
internal sealed record StatementStats(string Query, long Calls, double MeanMilliseconds);

/// <summary>
/// What SQL really reached PostgreSQL, from pg_stat_statements (the throwaway cluster preloads it): reset before a
/// measurement, read after it. This is how the pgbench scripts are checked against the statements the service sends.
/// Unavailable (and silently skipped) on a server that does not load the extension.
/// </summary>
internal sealed class StatementLog(string connectionString)
{
    private bool? _available;

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        if (await IsAvailableAsync(cancellationToken))
        {
            await ExecuteAsync("SELECT pg_stat_statements_reset()", cancellationToken);
        }
    }

    /// <summary>
    /// Statements of this database since the last reset, most called first, without the tool's own: this log's, and
    /// those its ledger and samplers mark with <c>/* bench */</c> (pg_stat_statements keeps a query's comments).
    /// </summary>
    public async Task<IReadOnlyList<StatementStats>> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await IsAvailableAsync(cancellationToken))
        {
            return [];
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT query, calls, mean_exec_time
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND toplevel AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%/* bench */%'
            ORDER BY calls DESC, query
            LIMIT 200
            """, connection);
        var statements = new List<StatementStats>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            statements.Add(new StatementStats(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
        }

        return statements;
    }

    /// <summary>Keeps the full text of a snapshot in the results folder, for writing and checking the pgbench scripts.</summary>
    public static async Task SaveAsync(string path, IReadOnlyList<StatementStats> statements, long requests, CancellationToken cancellationToken)
    {
        var text = statements.Select(s => FormattableString.Invariant(
            $"-- {s.Calls} calls ({(requests > 0 ? (double)s.Calls / requests : 0):0.###} per request), mean {s.MeanMilliseconds:0.000} ms\n{s.Query};\n"));
        await File.WriteAllLinesAsync(path, text, cancellationToken);
    }

    private async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        if (_available is { } known)
        {
            return known;
        }

        try
        {
            await ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", cancellationToken);
            await ExecuteAsync("SELECT count(*) FROM pg_stat_statements", cancellationToken);
            _available = true;
        }
        catch (PostgresException exception)
        {
            Console.WriteLine($"pg_stat_statements is not available ({exception.MessageText}); statement snapshots are skipped.");
            _available = false;
        }

        return _available.Value;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
