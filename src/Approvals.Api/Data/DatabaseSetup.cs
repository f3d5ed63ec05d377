using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Data;

/// <summary>The one place that configures EF Core for PostgreSQL, shared by the host and the design-time factory.</summary>
internal static class DatabaseSetup
{
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
}
