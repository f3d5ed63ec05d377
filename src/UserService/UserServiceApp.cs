using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using UserService.ApprovalEvents;
using UserService.Data;
using UserService.Faults;

namespace UserService;

/// <summary>
/// The sample downstream service the approval service delivers decisions to. Run it as
/// <c>ConnectionStrings__UserService=... UserService__ApiKey=usersvcapikey UserService__SigningSecret=whsec_...
/// dotnet run --project src/UserService -- --urls http://127.0.0.1:8001</c>; add
/// <c>UserService__ApprovalEvents__RabbitMqUri=amqp://...</c> to also subscribe to the approval service's events.
/// </summary>
public static partial class UserServiceApp
{
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static async Task Main(string[] args)
    {
        var app = Build(args);
        await app.MigrateDatabaseAsync();
        await app.RunAsync();
    }

    /// <param name="configure">Lets tests replace services (such as the TimeProvider) after the defaults.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });

        var services = builder.Services;
        services.AddOptions<UserServiceOptions>()
            .BindConfiguration(UserServiceOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.HasUsableSigningSecret(), "UserService:SigningSecret must be whsec_ followed by base64.")
            .Validate(o => o.Faults.Validate() is null, "UserService:Faults is invalid (failStatus 400-599, delayMs 0-600000, failNextRequests >= 0).")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<UserServiceOptions>, ApprovalEventsOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddDbContextPool<UserServiceDbContext>((serviceProvider, options) =>
        {
            var connectionString = serviceProvider.GetRequiredService<IConfiguration>().GetConnectionString("UserService");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:UserService is not set (ConnectionStrings__UserService).");
            }

            UserServiceDbContext.Configure(options, connectionString);
        });
        services.AddScoped<ReceivedApprovalStore>();
        services.AddScoped<ReceivedEventStore>();
        services.AddSingleton<ApprovalEventSubscriber>();
        services.AddHostedService(serviceProvider => serviceProvider.GetRequiredService<ApprovalEventSubscriber>());
        services.AddSingleton(serviceProvider =>
        {
            var faults = new FaultSwitch(serviceProvider.GetRequiredService<TimeProvider>());
            faults.Set(serviceProvider.GetRequiredService<IOptions<UserServiceOptions>>().Value.Faults);
            return faults;
        });

        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, UserServiceJsonContext.Default));
        services.AddProblemDetails();
        builder.AddUserServiceTelemetry();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Oversized or unreadable bodies are the caller's fault, not a 500.
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.MapUserServiceMetrics();
        app.MapApprovalEndpoints();
        app.MapFaultEndpoints();
        if (app.Services.GetRequiredService<IOptions<UserServiceOptions>>().Value.ApprovalEvents.IsEnabled)
        {
            app.MapReceivedEventEndpoints();
        }

        return app;
    }

    /// <summary>Applies this service's migrations (schema <c>user_service</c>) unless <c>UserService:MigrateOnStartup</c> is false.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<UserServiceOptions>>().Value.MigrateOnStartup)
        {
            return;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UserServiceDbContext>();

        // On an empty database EF Core reads the history table of a schema that does not exist yet, fails, logs the
        // failure as an error, and carries on; a newcomer's first run then shows two red "fail:" entries. The
        // schema and the (empty) history table are created first, as the migrations themselves would.
        await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript());
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        if (pending.Count > 0)
        {
            LogMigrating(app.Logger, pending.Count);
            await db.Database.MigrateAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} UserService migration(s)")]
    private static partial void LogMigrating(ILogger logger, int count);
}
