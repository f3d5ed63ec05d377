using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Persistence;

/// <summary>The one place that configures EF Core for PostgreSQL, shared by the host and the design-time factory.</summary>
internal static class DatabaseSetup
{
    /// <summary>More than the distinct statements the service sends, so none of them is evicted under load.</summary>
    private const int MaxAutoPreparedStatements = 100;

    public static void Configure(DbContextOptionsBuilder options, string connectionString, NpgsqlDataSource? dataSource = null)
    {
        if (dataSource is not null)
        {
            options.UseNpgsql(dataSource, Npgsql);
        }
        else
        {
            options.UseNpgsql(connectionString, Npgsql);
        }

        options.UseSnakeCaseNamingConvention();

        static void Npgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql) =>
            npgsql.MigrationsHistoryTable("__ef_migrations_history");
    }

    /// <summary>
    /// The key of the data source for work that needs a connection of its own for a whole session (LISTEN, and the
    /// migrations' database lock): the main data source multiplexes, so outside a transaction two commands of one
    /// <see cref="NpgsqlConnection"/> may run on different physical connections.
    /// </summary>
    public const string SessionDataSource = "session";

    /// <summary>
    /// The key of the data source for units of work's transactions (<see cref="UnitOfWork"/>): the main one's settings
    /// and pool size, without multiplexing, so that a transaction has its physical connection from its first statement
    /// and can send its own BEGIN with it.
    /// </summary>
    public const string TransactionDataSource = "transactions";

    /// <summary>
    /// The host's connection settings, each unless the connection string sets it (see docs/benchmarks.md for what
    /// they are worth): no <c>DISCARD ALL</c> each time a connection returns to the pool, since the service keeps no
    /// session state; server-side prepared statements for the SQL it sends again and again, so PostgreSQL parses
    /// and plans each statement once per connection instead of on every request; and multiplexing, so commands
    /// outside transactions share a few physical connections and go out in batches (fewer round trips and system
    /// calls on both sides). A transaction keeps one physical connection from its start to its end. The pool's size
    /// is <see cref="DatabaseOptions.MaxPoolSize"/>. Without <paramref name="notifyDeliveryJobs"/> (the RabbitMQ
    /// transport, where no dispatcher listens), sessions turn off the delivery_jobs insert trigger's NOTIFY, which would
    /// only serialise the decisions' commits.
    /// </summary>
    public static NpgsqlDataSourceBuilder CreateDataSourceBuilder(string connectionString, int maxPoolSize, bool notifyDeliveryJobs = true)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        TraceOnlyWithinSpans(builder);
        var given = GivenKeys(connectionString);
        if (!given.Contains("MaxPoolSize") && !given.Contains("MaximumPoolSize"))
        {
            builder.ConnectionStringBuilder.MaxPoolSize = maxPoolSize;
        }

        if (!given.Contains("NoResetOnClose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        if (!given.Contains("MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPreparedStatements;
        }

        if (!given.Contains("Multiplexing"))
        {
            builder.ConnectionStringBuilder.Multiplexing = true;
        }

        if (!notifyDeliveryJobs)
        {
            builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c approvals.notify_delivery_jobs=off".Trim();
        }

        return builder;
    }

    /// <summary>The main data source's settings (<see cref="CreateDataSourceBuilder"/>), never multiplexing: a transaction's connections.</summary>
    public static NpgsqlDataSourceBuilder CreateTransactionDataSourceBuilder(string connectionString, int maxPoolSize, bool notifyDeliveryJobs = true)
    {
        var builder = CreateDataSourceBuilder(connectionString, maxPoolSize, notifyDeliveryJobs);
        builder.ConnectionStringBuilder.Multiplexing = false;
        return builder;
    }

    /// <summary>Connections that keep their session: no multiplexing, and no pool (they are few and long-lived).</summary>
    public static NpgsqlDataSourceBuilder CreateSessionDataSourceBuilder(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        TraceOnlyWithinSpans(builder);
        builder.ConnectionStringBuilder.Multiplexing = false;
        builder.ConnectionStringBuilder.Pooling = false;
        return builder;
    }

    /// <summary>
    /// When traced at all (Telemetry:Enabled), a command is traced only as part of a traced operation: a request, a
    /// delivery attempt. The background loops' own statements (claims, the relay's reads, timer passes, LISTEN
    /// sessions) would otherwise each start a trace of one span, every few seconds, in every process.
    /// </summary>
    private static void TraceOnlyWithinSpans(NpgsqlDataSourceBuilder builder) => builder.ConfigureTracing(tracing => tracing
        .ConfigureCommandFilter(_ => Activity.Current is not null)
        .ConfigureBatchFilter(_ => Activity.Current is not null)
        .EnableFirstResponseEvent(false));

    private static HashSet<string> GivenKeys(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
}
