using System.Net;
using Approvals.Api.Data;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Approvals.Api.Tests;

/// <summary>
/// The host's two data sources: the main one multiplexes (unless the connection string says otherwise), the session
/// one never does, because LISTEN and the migrations' lock belong to one physical connection.
/// </summary>
public class DatabaseConnectionTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private const string Given = "Host=127.0.0.1;Username=postgres;Database=approvals";

    [Fact]
    public void The_main_data_source_multiplexes_prepares_and_skips_the_reset_by_default()
    {
        var settings = DatabaseSetup.CreateDataSourceBuilder(Given).ConnectionStringBuilder;

        Assert.True(settings.Multiplexing);
        Assert.True(settings.NoResetOnClose);
        Assert.True(settings.MaxAutoPrepare > 0);
    }

    [Fact]
    public void Settings_in_the_connection_string_win()
    {
        var settings = DatabaseSetup.CreateDataSourceBuilder(Given + ";Multiplexing=false;No Reset On Close=false;Max Auto Prepare=0")
            .ConnectionStringBuilder;

        Assert.False(settings.Multiplexing);
        Assert.False(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
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
