using System.ComponentModel.DataAnnotations;

namespace Approvals.Api.Persistence;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply EF Core migrations when the host starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Load the demo service rules, approvals, users and API key.</summary>
    public bool SeedDemoData { get; set; }

    /// <summary>
    /// Connections to PostgreSQL the service opens at most in each of its two pools (Npgsql's <c>Maximum Pool Size</c>),
    /// unless the connection string sets it: the multiplexed one that carries every statement outside a transaction,
    /// and the one for transactions (<see cref="DatabaseSetup.TransactionDataSource"/>). Few on purpose: PostgreSQL
    /// runs as many statements at once as it has cores, so connections beyond two or three per core add context
    /// switches and contention, not throughput. Requests beyond them wait in the service. The default suits a
    /// database server with two or three cores; raise it with the database's cores (docs/benchmarks.md).
    /// </summary>
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 6;
}
