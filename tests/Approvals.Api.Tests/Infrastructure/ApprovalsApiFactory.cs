using System.Collections.Concurrent;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Approvals.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>
/// Hosts the real ApprovalService over its own PostgreSQL database (cloned from a migrated template), with the
/// real authentication pipeline and a controllable clock. One instance per test class.
/// </summary>
public class ApprovalsApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ApiKey = "test-api-key-0123456789";
    public const string OtherApiKey = "other-api-key-0123456789";

    /// <summary>One migrated template database per server; each factory's database is a cheap copy of it.</summary>
    private static readonly ConcurrentDictionary<PostgresServer, Lazy<Task<string>>> Templates = new();

    public string ConnectionString { get; private set; } = "";

    /// <summary>Starts at the real time so deadlines compare with the database's clock sensibly; tests advance it.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public PostgresServer Postgres { get; private set; } = null!;

    /// <summary>
    /// The host's connection string: the test database's without the harness's own pool size, so the host runs on the
    /// pool its configuration sizes (<c>Database:MaxPoolSize</c>), as it does in production.
    /// </summary>
    protected string HostConnectionString
    {
        get
        {
            var settings = new NpgsqlConnectionStringBuilder(ConnectionString);
            settings.Remove("Maximum Pool Size");
            return settings.ConnectionString;
        }
    }

    /// <summary>Configuration added on top of the defaults, for tests that need other settings.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    public virtual async Task InitializeAsync()
    {
        Postgres = await AcquirePostgresAsync();
        ConnectionString = await CreateDatabaseAsync(Postgres);
    }

    public new virtual async Task DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        ReleasePostgres();
    }

    /// <summary>The server this factory's database lives on: the shared one, unless a test class needs its own.</summary>
    protected virtual Task<PostgresServer> AcquirePostgresAsync() => PostgresServer.GetAsync();

    /// <summary>Undoes <see cref="AcquirePostgresAsync"/>; the shared server outlives every class.</summary>
    protected virtual void ReleasePostgres()
    {
    }

    /// <summary>
    /// This factory's database on <paramref name="server"/>: a copy of the migrated template, unless a test class
    /// starts from another (the upgrade tests start from the schema before a migration, which the host then applies).
    /// </summary>
    protected virtual async Task<string> CreateDatabaseAsync(PostgresServer server)
    {
        var template = await Templates.GetOrAdd(server, s => new Lazy<Task<string>>(() => CreateTemplateAsync(s))).Value;
        return await server.CreateDatabaseAsync("approvals_test", template);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Approvals", HostConnectionString);
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Database:SeedDemoData", "false");

        // Jobs stay pending unless a test turns the dispatcher on (the delivery tests do, see DeliveryFixture).
        builder.UseSetting("Delivery:Enabled", "false");

        // The tests' downstream services (UserService) listen on 127.0.0.1, which webhooks may not reach by default;
        // the tests of that guard turn it back off (WebhookTargetGuardTests).
        builder.UseSetting("Delivery:AllowPrivateNetworks", "true");
        builder.UseSetting("Auth:ApiKeys:0:Name", "test");
        builder.UseSetting("Auth:ApiKeys:0:Key", ApiKey);
        builder.UseSetting("Auth:ApiKeys:1:Name", "other");
        builder.UseSetting("Auth:ApiKeys:1:Key", OtherApiKey);
        builder.UseSetting("RateLimiting:Enabled", "false");

        // Traces and metrics are process-wide (listeners subscribe to sources and meters by name), so services of
        // test classes running side by side would record into each other's; they are on only in the telemetry tests,
        // which run alone (tests/Approvals.Api.Tests/Telemetry).
        builder.UseSetting("Telemetry:Enabled", "false");
        foreach (var (key, value) in ExtraSettings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);

            // First of all: every answer is checked against the committed OpenAPI document before it leaves.
            services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, OpenApiContractCheck>());
        });
    }

    /// <summary>A client that authenticates with the test API key, as the original clients did.</summary>
    public HttpClient CreateAuthenticatedClient(string apiKey = ApiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", apiKey);
        return client;
    }

    /// <summary>A DbContext on this test's database, for arranging data and asserting what was stored.</summary>
    public ApprovalsDbContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<ApprovalsDbContext>();
        DatabaseSetup.Configure(options, ConnectionString);
        return new ApprovalsDbContext(options.Options);
    }

    /// <summary>
    /// Puts an approval in ERROR with a failed job of a decision to approve, arranged in the database as the dispatcher
    /// leaves it (the default factory runs no dispatcher): what the redelivery endpoint needs. Written without events,
    /// and so without moving the version: the approval's next event (the redelivery's) follows its last one.
    /// </summary>
    public async Task<Guid> SeedFailedDeliveryAsync(Guid approvalId)
    {
        await using var db = CreateDbContext();
        var approval = await db.Approvals.Include(a => a.ServiceRules).SingleAsync(a => a.Id == approvalId);
        var now = Clock.GetUtcNow();
        var job = new DeliveryJob
        {
            Id = Guid.CreateVersion7(now),
            ApprovalId = approvalId,
            DecisionId = Guid.CreateVersion7(now),
            ServiceRuleId = approval.ServiceRules[0].ServiceRuleId,
            RequestedStatus = ApprovalStatus.Approved,
            State = DeliveryState.Failed,
            Attempts = 1,
            NextAttemptAt = now,
            CreatedAt = now,
            CompletedAt = now,
            LastError = "HTTP 400",
        };
        db.DeliveryJobs.Add(job);
        approval.CurrentDecisionId = job.DecisionId;
        approval.PreviousStatus = ApprovalStatus.AcknowledgedApproved;
        approval.Status = ApprovalStatus.Error;
        await db.SaveChangesAsync();
        return job.Id;
    }

    public async Task<int> AddServiceRuleAsync(string name, string url = "http://127.0.0.1:9/approval", bool enabled = true)
    {
        await using var db = CreateDbContext();
        var rule = new ServiceRule { Name = name, Url = url, ApiKey = "downstream-key", Enabled = enabled, SigningSecret = "whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA==", CreatedAt = Clock.GetUtcNow() };
        db.ServiceRules.Add(rule);
        await db.SaveChangesAsync();
        return rule.Id;
    }

    private static async Task<string> CreateTemplateAsync(PostgresServer server)
    {
        var connectionString = await server.CreateDatabaseAsync("approvals_template");
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var options = new DbContextOptionsBuilder<ApprovalsDbContext>();
        DatabaseSetup.Configure(options, builder.ConnectionString);
        await using (var db = new ApprovalsDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }

        return builder.Database!;
    }
}
