using Approvals.Api.Persistence.Data;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using UserServiceServer = Approvals.Testing.UserServiceServer;

namespace Approvals.Api.Tests.Delivery;

/// <summary>
/// ApprovalService with its dispatcher on, and a real UserService on a loopback port, both on the same fake clock
/// (so signature timestamps agree however far a test moves time). One pair per test class.
/// </summary>
public class DeliveryFixture : ApprovalsApiFactory
{
    public const string OwnerId = "dispatcher-a";

    public UserServiceServer UserService { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Delivery:Enabled", "true"),
        new("Delivery:OwnerId", OwnerId),
        new("Delivery:SweepInterval", "00:00:05"),
    ];

    /// <summary>The clock both services run on; the fake one unless a fixture measures real time.</summary>
    public virtual TimeProvider ServicesClock => Clock;

    /// <summary>Settings of the UserService on top of its test defaults.</summary>
    protected virtual IDictionary<string, string?>? UserServiceSettings => null;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        UserService = await UserServiceServer.StartAsync(ServicesClock, settings: UserServiceSettings);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (UserService is not null)
        {
            await UserService.DisposeAsync();
        }
    }

    /// <summary>A service rule that delivers to a UserService (this fixture's by default) at <paramref name="path"/>, with its key and secret.</summary>
    public async Task<int> AddUserServiceRuleAsync(
        int[]? retrySchedule = null, int timeoutSeconds = 10, string path = "/approval", UserServiceServer? target = null)
    {
        await using var db = CreateDbContext();
        var rule = new ServiceRule
        {
            Name = $"usersvc-{Guid.NewGuid():N}",
            Url = new Uri((target ?? UserService).BaseAddress, path).ToString(),
            ApiKey = UserServiceServer.ApiKey,
            SigningSecret = UserServiceServer.SigningSecret,
            TimeoutSeconds = timeoutSeconds,
            RetrySchedule = retrySchedule ?? [.. ServiceRule.DefaultRetrySchedule],
            CreatedAt = Clock.GetUtcNow(),
        };
        db.ServiceRules.Add(rule);
        await db.SaveChangesAsync();
        return rule.Id;
    }

    /// <summary>Another process's dispatcher (<c>--role dispatcher</c>) on this fixture's database and clock.</summary>
    public DispatcherHost StartDispatcher(string ownerId, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var host = new DispatcherHost(ConnectionString, Clock, ownerId, settings);
        _ = host.Services; // Starts the host, and with it the dispatcher.
        return host;
    }
}

/// <summary>
/// ApprovalService started with <c>--role dispatcher</c>: it only dispatches (and fires timers) and answers health checks.
/// </summary>
public sealed class DispatcherHost(
    string connectionString, TimeProvider clock, string ownerId, IEnumerable<KeyValuePair<string, string?>>? settings = null) : WebApplicationFactory<Program>
{
    public Api.Timers.TimerLoop Timers => Services.GetRequiredService<Api.Timers.TimerLoop>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Role", "dispatcher");
        builder.UseSetting("ConnectionStrings:Approvals", connectionString);
        builder.UseSetting("Database:MigrateOnStartup", "false");
        builder.UseSetting("Telemetry:Enabled", "false"); // as ApprovalsApiFactory has it
        builder.UseSetting("Delivery:OwnerId", ownerId);
        builder.UseSetting("Delivery:SweepInterval", "00:00:05");
        builder.UseSetting("Delivery:AllowPrivateNetworks", "true"); // the test UserService is on 127.0.0.1
        foreach (var (key, value) in settings ?? [])
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton(clock);
        });
    }
}

/// <summary>The API without a dispatcher of its own, for tests that run dispatchers as separate hosts.</summary>
public sealed class ApiOnlyDeliveryFixture : DeliveryFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Delivery:Enabled", "false")];
}
