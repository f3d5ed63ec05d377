using System.Globalization;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// The ceiling of <c>decide</c>: pgbench runs bench/pgbench/decide.sql, every statement ApprovalService sends for one
/// decision from the request to the final status. Each pgbench transaction needs a pending approval of its own, so
/// before each run this writes a pool of them (numbered by client and sequence, under an id prefix of their own,
/// outside the data set) and afterwards checks that every transaction really decided one, then removes the unused rest.
/// </summary>
internal sealed class DecideCeiling(BenchContext context, PgbenchRunner pgbench)
{
    /// <summary>Pool approval: <c>018f0002-0000-7000-&lt;pool in 4 hex&gt;-&lt;client × 2^20 + seq in 12 hex&gt;</c>.</summary>
    private const string PoolPrefix = "018f0002-0000-7000-";

    private const string CreatePoolSql = """
        INSERT INTO approvals (id, title, description, comment, status, deadline, created_by, created_at, updated_at, version)
        SELECT (@prefix || lpad(to_hex(c * 1048576 + s), 12, '0'))::uuid, 'Ceiling approval', 'Decided by pgbench.', '', 2,
               '2099-12-31T00:00:00Z', @actor, now(), now(), 1
        FROM generate_series(0, @clients - 1) AS c, generate_series(1, @perClient) AS s;
        INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
        SELECT (@prefix || lpad(to_hex(c * 1048576 + s), 12, '0'))::uuid, 1, 0
        FROM generate_series(0, @clients - 1) AS c, generate_series(1, @perClient) AS s;
        """;

    private const string CountDecidedSql = "SELECT count(*) FROM approvals WHERE id BETWEEN @first AND @last AND status IN (3, 4, 5)";

    private const string RemoveUnusedSql = """
        DELETE FROM approval_service_rules WHERE approval_id IN (SELECT id FROM approvals WHERE id BETWEEN @first AND @last AND status = 2);
        DELETE FROM approvals WHERE id BETWEEN @first AND @last AND status = 2;
        """;

    /// <summary>Decisions per second the pool is sized for; raised to what pgbench really did, with room to spare.</summary>
    private double _expectedPerSecond = 3000;

    public async Task<CeilingResult> RunAsync(int seconds, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var pool = Random.Shared.Next(1, 0xffff);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{PoolPrefix}{pool:x4}-");
        var perClient = (int)Math.Ceiling(_expectedPerSecond * 2 * seconds / options.Connections);
        await using var dataSource = NpgsqlDataSource.Create(context.ConnectionString);
        await ExecuteAsync(dataSource, CreatePoolSql, cancellationToken,
            ("prefix", prefix), ("actor", DataSet.Actor), ("clients", options.Connections), ("perClient", perClient));

        var result = await pgbench.RunAsync(context.Paths.PgbenchScript("decide.sql"), seconds, new Dictionary<string, string>
        {
            ["pool_prefix"] = prefix,
            ["actor"] = DataSet.Actor,
            ["now"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["owner"] = "pgbench-dispatcher",
        }, cancellationToken);

        var range = (first: Guid.Parse(prefix + "000000000000"), last: Guid.Parse(prefix + "ffffffffffff"));
        var decided = await ScalarAsync(dataSource, CountDecidedSql, cancellationToken, ("first", range.first), ("last", range.last));
        await ExecuteAsync(dataSource, RemoveUnusedSql, cancellationToken, ("first", range.first), ("last", range.last));
        if (decided != result.Transactions - result.Failed)
        {
            throw new InvalidOperationException(
                $"The decide ceiling is not valid: pgbench ran {result.Transactions:N0} transactions but {decided:N0} pool approvals reached a final status " +
                "(a pool too small, or bench/pgbench/decide.sql no longer matches the schema).");
        }

        _expectedPerSecond = Math.Max(_expectedPerSecond, result.TransactionsPerSecond);
        return result;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
