using System.Diagnostics;
using Approvals.Testing;
using Npgsql;

namespace Approvals.Api.Tests;

/// <summary>
/// A test run killed before it cleaned up leaves its throwaway PostgreSQL cluster (and, if its watchdog died too, its
/// RabbitMQ node) running in the temp folder; the next run stops and removes every one whose owning process is gone,
/// and leaves alone those of processes still running. Each test works in a temp root of its own, so it never touches
/// another run's servers.
/// </summary>
public sealed class TestServerSweepTests : IDisposable
{
    private readonly string _root = CreateRoot();

    [Fact]
    public async Task A_cluster_whose_owner_is_gone_is_stopped_and_removed_and_a_live_owners_cluster_is_kept()
    {
        using var orphan = await PostgresServer.StartDedicatedAsync(_root, await DeadOwnerAsync());
        using var kept = await PostgresServer.StartDedicatedAsync(_root, TestServerOwner.Current);
        var orphanServer = orphan.ServerProcessId!.Value;
        await AssertAcceptsConnectionsAsync(orphan);

        var removed = PostgresServer.RemoveOrphanedClusters(_root);

        Assert.Equal([orphan.Folder!], removed);
        Assert.Null(TestServerOwner.Of(orphanServer));
        Assert.False(Directory.Exists(orphan.Folder));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => AssertAcceptsConnectionsAsync(orphan));
        await AssertAcceptsConnectionsAsync(kept);
        Assert.NotNull(kept.ServerProcessId);
    }

    [Fact]
    public async Task A_cluster_whose_owners_pid_now_belongs_to_another_process_is_removed()
    {
        // This process's pid with another start time: what a killed owner looks like once its pid is reused.
        var reused = TestServerOwner.Current with { StartTime = TestServerOwner.Current.StartTime - 1 };
        using var orphan = await PostgresServer.StartDedicatedAsync(_root, reused);
        var orphanServer = orphan.ServerProcessId!.Value;

        Assert.Equal([orphan.Folder!], PostgresServer.RemoveOrphanedClusters(_root));
        Assert.Null(TestServerOwner.Of(orphanServer));
        Assert.False(Directory.Exists(orphan.Folder));
    }

    [Fact]
    public async Task A_cluster_is_stopped_and_removed_by_its_lifeline_when_its_process_ends_without_cleaning_up()
    {
        using var cluster = await PostgresServer.StartDedicatedAsync(_root, TestServerOwner.Current);
        var server = cluster.ServerProcessId!.Value;
        await AssertAcceptsConnectionsAsync(cluster);

        // What the test process's end does to the pipe, whatever way it ends: the cluster was never stopped here.
        cluster.ReleaseLifeline();

        var clock = Stopwatch.StartNew();
        while ((Directory.Exists(cluster.Folder) || TestServerOwner.Of(server) is not null) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        Assert.Null(TestServerOwner.Of(server));
        Assert.False(Directory.Exists(cluster.Folder));
    }

    [Fact]
    public async Task A_node_whose_owner_is_gone_is_killed_with_its_epmd_and_removed()
    {
        await using var orphan = await RabbitMqServer.StartDedicatedAsync(_root, await DeadOwnerAsync());
        var (node, epmd) = (orphan.NodeProcessId!.Value, orphan.EpmdProcessId!.Value);

        var removed = RabbitMqServer.RemoveOrphanedNodes(_root);

        Assert.Equal([orphan.Folder!], removed);
        Assert.Null(TestServerOwner.Of(node));
        Assert.Null(TestServerOwner.Of(epmd));
        Assert.False(Directory.Exists(orphan.Folder));
    }

    [Fact]
    public void A_folder_without_an_owner_file_goes_by_the_pid_in_its_name()
    {
        var ofThisProcess = Directory.CreateDirectory(Path.Combine(_root, $"prefix-{Environment.ProcessId}-a")).FullName;
        var ofNoProcess = Directory.CreateDirectory(Path.Combine(_root, $"prefix-{int.MaxValue}-b")).FullName;
        var unnamed = Directory.CreateDirectory(Path.Combine(_root, "prefix-unnamed")).FullName;

        Assert.False(TestServerOwner.IsGone(ofThisProcess, "prefix-"));
        Assert.True(TestServerOwner.IsGone(ofNoProcess, "prefix-"));
        Assert.False(TestServerOwner.IsGone(unnamed, "prefix-"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A temp root the postgres and rabbitmq users (who run the servers when the tests run as root) can enter.</summary>
    private static string CreateRoot()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The test servers run on Linux only.");
        }

        var root = Directory.CreateTempSubdirectory("approvals-sweep-").FullName;
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return root;
    }

    /// <summary>A process that ran and is gone, as a killed test run's is.</summary>
    private static async Task<TestServerOwner> DeadOwnerAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        var owner = TestServerOwner.Of(process.Id)!;
        process.Kill();
        await process.WaitForExitAsync();
        Assert.False(owner.IsAlive);
        return owner;
    }

    private static async Task AssertAcceptsConnectionsAsync(PostgresServer server)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
    }
}
