using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Persistence;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Approvals.Api.Tests;

/// <summary>
/// The host's data sources: the main one multiplexes (unless the connection string says otherwise); the transactions'
/// one never does, because a unit of work sends its own BEGIN with its first statements; nor does the session one,
/// because LISTEN and the migrations' lock belong to one physical connection.
/// </summary>
public class DatabaseConnectionTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private const string Given = "Host=127.0.0.1;Username=postgres;Database=approvals";

    [Fact]
    public void The_main_data_source_multiplexes_prepares_and_skips_the_reset_by_default()
    {
        var settings = DatabaseSetup.CreateDataSourceBuilder(Given, 12).ConnectionStringBuilder;

        Assert.True(settings.Multiplexing);
        Assert.True(settings.NoResetOnClose);
        Assert.True(settings.MaxAutoPrepare > 0);
        Assert.Equal(12, settings.MaxPoolSize);
    }

    [Fact]
    public void Settings_in_the_connection_string_win()
    {
        var settings = DatabaseSetup.CreateDataSourceBuilder(Given + ";Multiplexing=false;No Reset On Close=false;Max Auto Prepare=0;Maximum Pool Size=7", 12)
            .ConnectionStringBuilder;

        Assert.False(settings.Multiplexing);
        Assert.False(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.Equal(7, settings.MaxPoolSize);
        Assert.Equal(9, DatabaseSetup.CreateDataSourceBuilder(Given + ";MaxPoolSize=9", 12).ConnectionStringBuilder.MaxPoolSize);
    }

    [Fact]
    public void The_transactions_data_source_has_the_main_settings_but_never_multiplexes_whatever_the_connection_string_says()
    {
        var settings = DatabaseSetup.CreateTransactionDataSourceBuilder(Given + ";Multiplexing=true", 12).ConnectionStringBuilder;

        Assert.False(settings.Multiplexing);
        Assert.True(settings.NoResetOnClose);
        Assert.True(settings.MaxAutoPrepare > 0);
        Assert.Equal(12, settings.MaxPoolSize);
    }

    [Fact]
    public void The_session_data_source_never_multiplexes_whatever_the_connection_string_says()
    {
        var settings = DatabaseSetup.CreateSessionDataSourceBuilder(Given + ";Multiplexing=true").ConnectionStringBuilder;

        Assert.False(settings.Multiplexing);
        Assert.False(settings.Pooling);
    }

    [Fact]
    public async Task The_host_serves_requests_over_the_multiplexing_source_and_listens_on_the_session_source()
    {
        var main = Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var session = Factory.Services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseSetup.SessionDataSource);
        Assert.True(new NpgsqlConnectionStringBuilder(main.ConnectionString).Multiplexing);
        Assert.False(new NpgsqlConnectionStringBuilder(session.ConnectionString).Multiplexing);
        var transactions = Factory.Services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseSetup.TransactionDataSource);
        Assert.False(new NpgsqlConnectionStringBuilder(transactions.ConnectionString).Multiplexing);

        // Many concurrent reads outside transactions share the multiplexed connections, each with its own answer.
        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => CreateApprovalAsync($"Multiplexed {i}")));
        var reads = await Task.WhenAll(created.SelectMany(approval => Enumerable.Range(0, 4)
            .Select(async _ => (Id: (string)approval["id"]!, Response: await Client.GetAsync($"/api/v1/approvals/{approval["id"]}")))));
        foreach (var (id, response) in reads)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(id, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A session connection keeps its LISTEN between commands and receives the notification.
        await using var listener = await session.OpenConnectionAsync();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, notification) => received.TrySetResult(notification.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN connection_test", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await using (var notify = main.CreateCommand("SELECT pg_notify('connection_test', 'hello')"))
        {
            await notify.ExecuteNonQueryAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var waiting = listener.WaitAsync(timeout.Token);
        Assert.Equal("hello", await received.Task.WaitAsync(timeout.Token));
        await waiting;
    }
}

/// <summary>The service on a pool of two connections (<c>Database:MaxPoolSize</c>).</summary>
public sealed class TwoConnectionPoolApiFactory : ApprovalsApiFactory
{
    public const int PoolSize = 2;

    /// <summary>Names the host's connections, so a test can count them apart from its own.</summary>
    public const string ApplicationName = "approvals-pool-test";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        .. base.ExtraSettings,
        new("Database:MaxPoolSize", PoolSize.ToString(CultureInfo.InvariantCulture)),
        new("ConnectionStrings:Approvals", $"{HostConnectionString};Application Name={ApplicationName}"),
    ];
}

/// <summary>
/// <c>Database:MaxPoolSize</c> bounds the connections the host opens in each of its pools (the multiplexed one and the
/// transactions' one); requests beyond them wait for a connection instead of failing, whether they need a transaction
/// of their own (a keyed create) or not.
/// </summary>
public class ConnectionPoolSizeTests(TwoConnectionPoolApiFactory factory) : ApiTestBase<TwoConnectionPoolApiFactory>(factory)
{
    [Fact]
    public async Task Many_concurrent_requests_share_the_configured_number_of_connections()
    {
        var main = Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var transactions = Factory.Services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseSetup.TransactionDataSource);
        Assert.Equal(TwoConnectionPoolApiFactory.PoolSize, new NpgsqlConnectionStringBuilder(main.ConnectionString).MaxPoolSize);
        Assert.Equal(TwoConnectionPoolApiFactory.PoolSize, new NpgsqlConnectionStringBuilder(transactions.ConnectionString).MaxPoolSize);

        var rule = await ServiceRuleAsync();
        var toDecide = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => CreateApprovalIdAsync($"To decide {i}", rule)));

        // Unkeyed creates are multiplexed; keyed creates and decisions each hold a connection for their transaction.
        var creates = Enumerable.Range(0, 24).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/approvals")
            {
                Content = JsonContent.Create(new { title = $"Pooled {i}", description = "d", deadline = FutureDeadline, serviceRules = new[] { rule } }),
            };
            if (i % 2 == 0)
            {
                request.Headers.Add("Idempotency-Key", $"pooled-{i}");
            }

            return await Client.SendAsync(request);
        });
        var decisions = toDecide.Select(id => DecideAsync(id, "approve"));
        var responses = await Task.WhenAll(creates.Concat(decisions));

        Assert.Equal(24, responses.Count(response => response.StatusCode == HttpStatusCode.Created));
        Assert.Equal(8, responses.Count(response => response.StatusCode == HttpStatusCode.Accepted));

        // The host's connections to its database: at most the pool size in each of its two pools.
        await using (var count = main.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"))
        {
            count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TwoConnectionPoolApiFactory.ApplicationName });
            Assert.InRange((long)(await count.ExecuteScalarAsync())!, 1, 2 * TwoConnectionPoolApiFactory.PoolSize);
        }

        await using var db = Factory.CreateDbContext();
        Assert.Equal(24, await db.Approvals.CountAsync(a => a.Title.StartsWith("Pooled ")));
        Assert.Equal(8, await db.Approvals.CountAsync(a => a.Title.StartsWith("To decide ") && a.Status == ApprovalStatus.AcknowledgedApproved));
    }
}
