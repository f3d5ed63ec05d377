using Approvals.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Data;

/// <summary>Applies migrations and the optional demo data before the host starts serving.</summary>
internal static partial class DatabaseInitializer
{
    public static async Task InitializeDatabaseAsync(this IHost app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<ApprovalsDbContext>();
        if (options.MigrateOnStartup)
        {
            // EF Core takes a database lock while migrating, so several instances may start at once.
            var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
            if (pending.Count > 0)
            {
                LogMigrating(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer)), pending.Count);
                await db.Database.MigrateAsync();
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
