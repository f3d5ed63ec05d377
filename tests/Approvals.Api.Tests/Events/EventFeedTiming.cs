using Approvals.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Approvals.Api.Tests.Events;

/// <summary>The classes that measure the feed's timing run one after the other, so the load of one does not skew the other.</summary>
[CollectionDefinition(Collection)]
public sealed class EventFeedTiming
{
    public const string Collection = "Event feed timing";
}

/// <summary>
/// Another ApprovalService process (<c>--role api</c>) on the same database: its commits reach the first one only
/// through NOTIFY. <paramref name="settings"/> come on top of its own.
/// </summary>
public sealed class SecondApiHost(string connectionString, TimeProvider clock, params KeyValuePair<string, string?>[] settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Role", "api");
        builder.UseSetting("ConnectionStrings:Approvals", connectionString);
        builder.UseSetting("Delivery:AllowPrivateNetworks", "true"); // as every test host: the test UserService is on 127.0.0.1
        builder.UseSetting("Database:MigrateOnStartup", "false");
        builder.UseSetting("Telemetry:Enabled", "false"); // as ApprovalsApiFactory has it
        builder.UseSetting("Database:SeedDemoData", "false");
        builder.UseSetting("Auth:ApiKeys:0:Name", "test");
        builder.UseSetting("Auth:ApiKeys:0:Key", ApprovalsApiFactory.ApiKey);
        builder.UseSetting("RateLimiting:Enabled", "false");
        foreach (var (key, value) in settings)
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
