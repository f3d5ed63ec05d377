using System.Globalization;
using Approvals.Testing;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// What the whole run shares: a throwaway PostgreSQL cluster with pg_stat_statements (unless --connection names a
/// database) and wrk. The services of each transport (<see cref="TransportStack"/>) are started on it one transport
/// at a time, each with a database of its own, and stopped before the next.
/// </summary>
internal sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly BenchOptions _options;
    private readonly BenchPaths _paths;
    private PostgresServer? _postgres;
    private WrkRunner _wrk = null!;

    private BenchEnvironment(BenchOptions options, BenchPaths paths)
    {
        _options = options;
        _paths = paths;
    }

    public static async Task<BenchEnvironment> StartAsync(BenchOptions options, BenchPaths paths, CancellationToken cancellationToken)
    {
        var environment = new BenchEnvironment(options, paths);
        try
        {
            environment._wrk = new WrkRunner(options.Connections, options.Threads);
            await environment._wrk.EnsureInstalledAsync(cancellationToken);
            if (options.ConnectionString is null)
            {
                Console.WriteLine("Starting a throwaway PostgreSQL cluster...");
                environment._postgres = await PostgresServer.StartDedicatedAsync(
                    "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on");
            }

            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the services of one transport on a database of their own (or the one --connection names).</summary>
    /// <param name="withDelivery">Start UserService (unless --user-service-url names one) and the delivery side.</param>
    public async Task<TransportStack> StartStackAsync(BenchTransport transport, bool withDelivery, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"== Transport {transport.Name()} ==");
        var connectionString = _options.ConnectionString ?? await CreateDatabaseAsync(transport);
        return await TransportStack.StartAsync(_options, _paths, transport, connectionString, withDelivery, _postgres, _wrk, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _postgres?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string> CreateDatabaseAsync(BenchTransport transport)
    {
        var created = new NpgsqlConnectionStringBuilder(await _postgres!.CreateDatabaseAsync($"approvals_bench_{transport.Name()}"));

        // Only where the database is: pool size and other client settings stay the service's own.
        var plain = new NpgsqlConnectionStringBuilder
        {
            Host = created.Host,
            Port = created.Port,
            Username = created.Username,
            Database = created.Database,
        };
        Console.WriteLine($"PostgreSQL on {plain.Host}:{plain.Port.ToString(CultureInfo.InvariantCulture)}, database {plain.Database}");
        return plain.ConnectionString;
    }
}
