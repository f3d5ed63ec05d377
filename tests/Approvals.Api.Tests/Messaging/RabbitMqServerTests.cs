using System.Diagnostics;
using System.Globalization;
using System.Text;
using Approvals.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Approvals.Api.Tests.Messaging;

/// <summary>
/// The test broker itself: durable messages survive a broker restart, every socket of a node is on loopback, virtual
/// hosts keep tests apart, and disposal leaves nothing running.
/// </summary>
public class RabbitMqServerTests
{
    private const string Queue = "approvals.decided";

    [Fact]
    public async Task A_persistent_message_in_a_durable_quorum_queue_survives_a_restart_and_disposal_leaves_nothing_running()
    {
        var broker = await RabbitMqServer.StartDedicatedAsync();
        var (nodePid, epmdPid) = (broker.NodeProcessId!.Value, broker.EpmdProcessId!.Value);
        try
        {
            var uri = await broker.CreateVirtualHostAsync("restart");
            var virtualHost = RabbitMqServer.VirtualHostOf(uri);
            await using (var connection = await ConnectAsync(uri))
            await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
                publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
            {
                await DeclareQuorumQueueAsync(channel, Queue);
                // Returns once the broker confirmed the message (stored on disk for a quorum queue).
                await channel.BasicPublishAsync("", Queue, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("approved"));
            }

            Assert.Equal(1, await broker.QueueMessageCountAsync(virtualHost, Queue));

            await broker.StopAsync();
            Assert.False(IsRunning(nodePid));
            Assert.Null(broker.NodeProcessId);
            await Assert.ThrowsAsync<BrokerUnreachableException>(() => ConnectAsync(uri));

            await broker.StartAsync();
            nodePid = broker.NodeProcessId!.Value;
            Assert.Equal(1, await broker.QueueMessageCountAsync(virtualHost, Queue));
            await using (var connection = await ConnectAsync(uri))
            await using (var channel = await connection.CreateChannelAsync())
            {
                var message = await channel.BasicGetAsync(Queue, autoAck: true);
                Assert.NotNull(message);
                Assert.Equal("approved", Encoding.UTF8.GetString(message.Body.Span));
                Assert.True(message.BasicProperties.Persistent);
            }

            AssertLoopbackOnly(broker);
        }
        finally
        {
            await broker.DisposeAsync();
        }

        Assert.False(IsRunning(nodePid), $"node {nodePid} still running");
        Assert.False(IsRunning(epmdPid), $"epmd {epmdPid} still running");
        Assert.False(Directory.Exists(broker.Folder));
        Assert.DoesNotContain(ListeningSockets(), socket => socket.Port == broker.AmqpPort || socket.Port == broker.DistributionPort || socket.Port == broker.EpmdPort);
        Assert.DoesNotContain(Directory.EnumerateDirectories("/proc"), process => ReadCommandLine(Path.GetFileName(process)).Contains(broker.Folder, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_shared_node_listens_on_loopback_only_and_its_virtual_hosts_keep_tests_apart()
    {
        var broker = await RabbitMqServer.GetAsync();
        AssertLoopbackOnly(broker);

        var first = await broker.CreateVirtualHostAsync("isolation");
        var second = await broker.CreateVirtualHostAsync("isolation");
        await using (var connection = await ConnectAsync(first))
        await using (var channel = await connection.CreateChannelAsync())
        {
            await DeclareQuorumQueueAsync(channel, Queue);
        }

        Assert.Equal(0, await broker.QueueMessageCountAsync(RabbitMqServer.VirtualHostOf(first), Queue));
        await using (var connection = await ConnectAsync(second))
        await using (var channel = await connection.CreateChannelAsync())
        {
            var missing = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync(Queue));
            Assert.Equal(404, (int?)missing.ShutdownReason?.ReplyCode);
        }
    }

    /// <summary>
    /// The node (beam.smp) listens on exactly AMQP and distribution, on 127.0.0.1: no plugin ports (management,
    /// Prometheus). Its epmd listens on its own port on 127.0.0.1 and [::1], which epmd always adds (loopback as well).
    /// </summary>
    private static void AssertLoopbackOnly(RabbitMqServer broker)
    {
        var sockets = ListeningSockets();
        var node = sockets.Where(socket => socket.Pid == broker.NodeProcessId).ToList();
        Assert.Equal(new[] { broker.AmqpPort, broker.DistributionPort }.Order(), node.Select(socket => socket.Port).Order());
        Assert.All(node, socket => Assert.Equal("127.0.0.1", socket.Address));

        var epmd = sockets.Where(socket => socket.Pid == broker.EpmdProcessId).ToList();
        Assert.NotEmpty(epmd);
        Assert.All(epmd, socket => Assert.Equal(broker.EpmdPort, socket.Port));
        Assert.All(epmd, socket => Assert.Contains(socket.Address, new[] { "127.0.0.1", "[::1]" }));
    }

    private sealed record ListeningSocket(string Address, int Port, int? Pid);

    /// <summary>Every listening TCP socket of the machine, with the pid of its process (ss -ltnp).</summary>
    private static List<ListeningSocket> ListeningSockets()
    {
        var start = new ProcessStartInfo("ss", "-Hltnp") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            // LISTEN 0 128 127.0.0.1:45672 0.0.0.0:* users:(("beam.smp",pid=12604,fd=34))
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[3];
            var colon = local.LastIndexOf(':');
            var pid = line.IndexOf("pid=", StringComparison.Ordinal);
            return new ListeningSocket(
                local[..colon],
                int.Parse(local[(colon + 1)..], CultureInfo.InvariantCulture),
                pid < 0 ? null : int.Parse(line[(pid + 4)..].Split(',', ')')[0], CultureInfo.InvariantCulture));
        }).ToList();
    }

    /// <summary>Running, not gone and not a zombie waiting to be reaped.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadLines($"/proc/{pid}/status").Any(line => line.StartsWith("State:", StringComparison.Ordinal) && line.Contains('Z', StringComparison.Ordinal));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string ReadCommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static Task<IConnection> ConnectAsync(string uri) =>
        new ConnectionFactory { Uri = new Uri(uri), AutomaticRecoveryEnabled = false }.CreateConnectionAsync();

    private static Task DeclareQuorumQueueAsync(IChannel channel, string queue) =>
        channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
}
