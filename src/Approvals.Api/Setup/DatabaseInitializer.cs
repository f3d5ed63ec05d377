using Approvals.Api;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Approvals.Api;

/// <summary>Applies migrations and the optional demo data before the host starts serving.</summary>
internal static partial class DatabaseInitializer
{
    public static Task InitializeDatabaseAsync(this IHost app) => InitializeAsync(app.Services);

    /// <summary>Migrates and seeds as configured; doing it again (a restart) changes nothing.</summary>
    public static async Task InitializeAsync(IServiceProvider rootServices)
    {
        var options = rootServices.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await using var scope = rootServices.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<ApprovalsDbContext>();
        if (options.MigrateOnStartup)
        {
            // EF Core takes a database lock while migrating, so several instances may start at once. The lock is
            // held by a session, so the migrations run on the session data source, not the multiplexing one.
            var session = new DbContextOptionsBuilder<ApprovalsDbContext>();
            DatabaseSetup.Configure(session, "", services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseSetup.SessionDataSource));
            await using var migrations = new ApprovalsDbContext(session.Options);
            var pending = (await migrations.Database.GetPendingMigrationsAsync()).ToList();
            if (pending.Count > 0)
            {
                LogMigrating(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer)), pending.Count);
                await migrations.Database.MigrateAsync();
            }
        }

        if (options.SeedDemoData)
        {
            await DemoData.SeedAsync(db, services.GetRequiredService<IOptions<DemoDataOptions>>().Value,
                services.GetRequiredService<TimeProvider>(), CancellationToken.None);
            await Auth.DemoAccounts.SeedAsync(services, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} database migration(s)")]
    private static partial void LogMigrating(ILogger logger, int count);
}
