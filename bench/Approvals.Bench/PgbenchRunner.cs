using System.Globalization;
using System.Text.RegularExpressions;
using Approvals.Testing;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// What pgbench measured: transactions per second and failed transactions; and the CPU time PostgreSQL (null when it
/// cannot be read) and pgbench itself spent while it ran.
/// </summary>
internal sealed record CeilingResult(double TransactionsPerSecond, long Transactions, long Failed)
{
    public TimeSpan? DatabaseCpu { get; init; }

    public TimeSpan ClientCpu { get; init; }

    /// <summary>Rounds of equal length as one: their mean rate.</summary>
    public static CeilingResult Combine(IReadOnlyList<CeilingResult> rounds) =>
        new(rounds.Average(r => r.TransactionsPerSecond), rounds.Sum(r => r.Transactions), rounds.Sum(r => r.Failed))
        {
            DatabaseCpu = rounds.All(r => r.DatabaseCpu is not null) ? rounds.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.DatabaseCpu!.Value) : null,
            ClientCpu = rounds.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.ClientCpu),
        };
}

/// <summary>
/// The ceiling: pgbench runs a script from bench/pgbench with the same statements the service issues for a request,
/// at the same concurrency, with prepared statements (<c>-M prepared</c>), as fast as PostgreSQL can. The script is
/// expanded from its template first (<see cref="PgbenchScript"/>: the service's own statements) into bench/results.
/// </summary>
internal sealed partial class PgbenchRunner(BenchPaths paths, string connectionString, int clients, int threads, ClusterCpu clusterCpu)
{
    private readonly string _pgbench = FindPgbench();

    /// <summary>Numbers pgbench invocations, starting from a random point so runs on one database do not collide.</summary>
    private int _runs = Random.Shared.Next(1 << 20);

    /// <summary>
    /// Runs bench/pgbench/<paramref name="script"/> for <paramref name="seconds"/>; <paramref name="variables"/> become
    /// pgbench -D variables. Refuses to start when the script reads a variable that is not given.
    /// </summary>
    public async Task<CeilingResult> RunAsync(string script, int seconds, IReadOnlyDictionary<string, string> variables, CancellationToken cancellationToken)
    {
        // Scripts that insert build unique ids from the run number, the client and a per-client counter.
        var defines = WithRunVariables(variables, Interlocked.Increment(ref _runs) % (1 << 20));
        var expanded = PgbenchScript.Expand(paths, script);
        expanded.Check(defines);
        var file = expanded.WriteTo(paths.Results);
        var database = new NpgsqlConnectionStringBuilder(connectionString);
        List<string> arguments =
        [
            "--no-vacuum", "--protocol=prepared", "--client", Invariant(clients), "--jobs", Invariant(threads),
            "--time", Invariant(seconds), "--file", file,
            "--host", database.Host ?? "127.0.0.1", "--port", Invariant(database.Port), "--username", database.Username ?? "postgres",
        ];
        foreach (var (name, value) in defines)
        {
            arguments.AddRange(["--define", $"{name}={value}"]);
        }

        arguments.Add(database.Database ?? "postgres");
        var environment = database.Password is { } password ? new Dictionary<string, string> { ["PGPASSWORD"] = password } : null;
        // Around pgbench alone: a load's own preparation (VoteCeiling's pool) stays out of the figures.
        var databaseCpuBefore = await clusterCpu.ReadAsync(cancellationToken);
        var clientCpuBefore = ProcStatus.FinishedChildrenCpuTime();
        var result = await Commands.RunAsync(_pgbench, arguments, TimeSpan.FromSeconds(seconds + 60), cancellationToken, environment);
        var clientCpu = ProcStatus.FinishedChildrenCpuTime() - clientCpuBefore;
        await WaitForBackendsToEndAsync(cancellationToken);
        var databaseCpu = await clusterCpu.ReadAsync(cancellationToken) - databaseCpuBefore;
        await File.WriteAllTextAsync(Path.ChangeExtension(file, ".log"), $"{result.Error}\n{result.Output}", cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench failed, {result.Describe()}");
        }

        var measured = Parse(result.Output) with { DatabaseCpu = databaseCpu, ClientCpu = clientCpu };
        if (measured.Failed > 0)
        {
            Console.WriteLine($"pgbench {script}: {measured.Failed:N0} of {measured.Transactions:N0} transactions failed (see {Path.ChangeExtension(file, ".log")}).");
        }

        return measured;
    }

    /// <summary>
    /// pgbench's backends end after pgbench itself; until the postmaster has reaped one, its CPU time is neither a
    /// live child's nor among the finished children's, so <see cref="ClusterCpu"/> would miss it.
    /// </summary>
    private async Task WaitForBackendsToEndAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand("/* bench */ SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'", connection);
        for (var attempt = 0; attempt < 250 && (long)(await count.ExecuteScalarAsync(cancellationToken))! > 0; attempt++)
        {
            await Task.Delay(20, cancellationToken);
        }

        // A backend leaves pg_stat_activity just before it exits, and the postmaster reaps it just after.
        await Task.Delay(100, cancellationToken);
    }

    /// <summary><paramref name="variables"/> and the ones every run gets: the run number and the start of the per-client counter.</summary>
    public static Dictionary<string, string> WithRunVariables(IReadOnlyDictionary<string, string> variables, int run) => new(variables)
    {
        ["run"] = Invariant(run),
        ["seq"] = "0",
    };

    internal static CeilingResult Parse(string output)
    {
        var tps = TpsPattern().Match(output);
        var processed = ProcessedPattern().Match(output);
        if (!tps.Success || !processed.Success)
        {
            throw new FormatException($"pgbench printed no tps line:\n{output}");
        }

        var failed = FailedPattern().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new CeilingResult(
            double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture),
            failed);
    }

    /// <summary>pgbench of the installed PostgreSQL server, else the one on PATH.</summary>
    private static string FindPgbench()
    {
        try
        {
            var beside = Path.Combine(PostgresServer.FindBinDirectory(), "pgbench");
            if (File.Exists(beside))
            {
                return beside;
            }
        }
        catch (InvalidOperationException)
        {
            // No server binaries here (an external server); a client-only pgbench may still be on PATH.
        }

        return Commands.FindOnPath("pgbench")
            ?? throw new InvalidOperationException("pgbench not found: apt-get install postgresql-contrib (or postgresql), or use --no-ceiling.");
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^tps = ([\d.]+) \(without initial connection time\)", RegexOptions.Multiline)]
    private static partial Regex TpsPattern();

    [GeneratedRegex(@"^number of transactions actually processed: (\d+)", RegexOptions.Multiline)]
    private static partial Regex ProcessedPattern();

    [GeneratedRegex(@"^number of failed transactions: (\d+)", RegexOptions.Multiline)]
    private static partial Regex FailedPattern();
}
