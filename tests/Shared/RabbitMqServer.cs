using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Approvals.Testing;

/// <summary>
/// A private RabbitMQ node for tests, from the installed rabbitmq-server: started as the <c>rabbitmq</c> OS user when
/// running as root, on free ports of 127.0.0.1 only (AMQP, the distribution port and an epmd of its own, so it shares
/// nothing with other nodes), without plugins (so no management or Prometheus listener), with its data, logs, config,
/// Erlang cookie and HOME in a temp folder. One node is shared by the test run (<see cref="GetAsync"/>; test classes
/// isolate themselves with <see cref="CreateVirtualHostAsync"/>); a test that stops the broker starts a node of its
/// own (<see cref="StartDedicatedAsync"/>) and disposes it. Disposal kills the node and epmd and deletes the folder;
/// <see cref="RabbitMqNodeWatchdog"/> does the same when the test process dies without disposing.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable, IDisposable
{
    public const string User = "guest";
    public const string Password = "guest";
    private const string FolderPrefix = "approvals-test-rmq-";
    private const string LoopbackOnly = "-kernel inet_dist_use_interface {127,0,0,1}";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<RabbitMqServer>> Shared = new(StartSharedAsync);
    private static int _orphansSwept;

    private readonly string _scriptsDirectory;
    private readonly string _cookie;
    private readonly bool _asRoot;
    private RabbitMqNodeWatchdog? _watchdog;
    private readonly TestServerOwner _owner;
    private int _disposed;

    private RabbitMqServer(string scriptsDirectory, string folder, bool asRoot, TestServerOwner owner)
    {
        _owner = owner;
        _scriptsDirectory = scriptsDirectory;
        Folder = folder;
        _asRoot = asRoot;
        _cookie = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 32);
        NodeName = $"approvals-test-{RandomNumberGenerator.GetHexString(8, lowercase: true)}@localhost";
        (AmqpPort, DistributionPort, EpmdPort) = FreePorts();
    }

    public string NodeName { get; }

    public int AmqpPort { get; }

    /// <summary>The Erlang distribution port (rabbitmqctl talks to the node through it).</summary>
    public int DistributionPort { get; }

    /// <summary>The port of this node's own epmd.</summary>
    public int EpmdPort { get; }

    /// <summary>The node's temp folder: mnesia/ (data), log/, home/ (Erlang cookie), config, pid files.</summary>
    public string Folder { get; }

    /// <summary>The default virtual host as the guest user (allowed from loopback by RabbitMQ's defaults).</summary>
    public string AmqpUri => UriFor("/");

    /// <summary>The OS pid of the running node (beam.smp), or null when it is not running.</summary>
    public int? NodeProcessId => ReadPid(RabbitMqNodeWatchdog.NodePidFile);

    /// <summary>The OS pid of the node's epmd, or null when it is not running.</summary>
    public int? EpmdProcessId => ReadPid(RabbitMqNodeWatchdog.EpmdPidFile);

    public static Task<RabbitMqServer> GetAsync() => Shared.Value;

    /// <summary>A node of its own, for tests that stop and start the broker; dispose it.</summary>
    public static Task<RabbitMqServer> StartDedicatedAsync() => StartNodeAsync(Path.GetTempPath(), TestServerOwner.Current);

    /// <summary>A node of its own under <paramref name="root"/>, recorded as <paramref name="owner"/>'s (for the sweep's tests).</summary>
    internal static Task<RabbitMqServer> StartDedicatedAsync(string root, TestServerOwner owner) => StartNodeAsync(root, owner);

    /// <summary>Cleans the node folders under <paramref name="root"/> whose owning process is gone; returns them.</summary>
    internal static List<string> RemoveOrphanedNodes(string root) => RabbitMqNodeWatchdog.CleanOrphans(root, FolderPrefix);

    /// <summary>
    /// Creates a fresh virtual host (named after <paramref name="prefix"/>) the guest user may use fully and returns
    /// the AMQP URI pointing at it; <see cref="VirtualHostOf"/> gives the name back.
    /// </summary>
    public async Task<string> CreateVirtualHostAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        await CtlAsync("add_vhost", name);
        await CtlAsync("set_permissions", "-p", name, User, ".*", ".*", ".*");
        return UriFor("/" + Uri.EscapeDataString(name));
    }

    /// <summary>The virtual host an AMQP URI points at (<c>/</c> for none).</summary>
    public static string VirtualHostOf(string amqpUri)
    {
        var path = new Uri(amqpUri).AbsolutePath;
        return path.Length <= 1 ? "/" : Uri.UnescapeDataString(path[1..]);
    }

    /// <summary>
    /// Messages ready for delivery in a queue, as the broker counts them now (a passive queue.declare over AMQP;
    /// <c>rabbitmqctl list_queues</c> lags by up to 5 s for quorum queues, which report their counters on a timer).
    /// </summary>
    public async Task<long> QueueMessageCountAsync(string virtualHost, string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(UriFor("/" + Uri.EscapeDataString(virtualHost))), AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>Stops the node (the whole Erlang VM), keeping its data; its epmd keeps running.</summary>
    public Task StopAsync() => CtlAsync("shutdown");

    /// <summary>Starts the node again on the same ports with the same data; returns once AMQP accepts connections.</summary>
    public async Task StartAsync()
    {
        var pidFile = Path.Combine(Folder, RabbitMqNodeWatchdog.NodePidFile);
        File.Delete(pidFile); // a stale pid must not make a failed start look alive
        var output = await RunNodeCommandAsync("rabbitmq-server", ["-detached"]);
        await WaitUntilAcceptingAsync(output);
    }

    /// <summary>Runs rabbitmqctl against this node; returns its standard output, throws with its errors on failure.</summary>
    public Task<string> CtlAsync(params string[] args) =>
        RunNodeCommandAsync("rabbitmqctl", ["-n", NodeName, "--erlang-cookie", _cookie, .. args]);

    /// <summary>The last lines of the node's log, for failure messages.</summary>
    public string LogTail(int lines = 40)
    {
        var log = Path.Combine(Folder, "log", NodeName + ".log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(lines)) : $"(no log at {log})";
    }

    /// <summary>Kills the node and its epmd and deletes its folder (nothing of it keeps running).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        RabbitMqNodeWatchdog.Clean(Folder);
        _watchdog?.Release();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<RabbitMqServer> StartSharedAsync()
    {
        var server = await StartNodeAsync(Path.GetTempPath(), TestServerOwner.Current);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }

    private static async Task<RabbitMqServer> StartNodeAsync(string root, TestServerOwner owner)
    {
        var scripts = FindScriptsDirectory();
        if (Interlocked.Exchange(ref _orphansSwept, 1) == 0)
        {
            RemoveOrphanedNodes(Path.GetTempPath());
        }

        var folder = Path.Combine(root, $"{FolderPrefix}{owner.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var server = new RabbitMqServer(scripts, folder, Environment.UserName == "root", owner);
        try
        {
            await server.CreateFolderAsync();
            server._watchdog = RabbitMqNodeWatchdog.Start(folder, server.EpmdPort, server._asRoot);
            await server.WaitForEpmdAsync();
            await server.StartAsync();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private async Task CreateFolderAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The test RabbitMQ node runs on Linux only.");
        }

        Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _owner.WriteTo(Folder);
        foreach (var directory in new[] { "home", "mnesia", "log" })
        {
            Directory.CreateDirectory(Path.Combine(Folder, directory));
        }

        // No plugins: nothing but AMQP listens (no management UI, no Prometheus endpoint).
        File.WriteAllText(Path.Combine(Folder, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(Folder, "rabbitmq.conf"), "# Settings come from the environment the test fixture sets.\n");
        File.WriteAllText(Path.Combine(Folder, "rabbitmq-env.conf"), "# Empty: keeps /etc/rabbitmq/rabbitmq-env.conf out.\n");
        var cookie = Path.Combine(Folder, "home", ".erlang.cookie");
        File.WriteAllText(cookie, _cookie);
        File.SetUnixFileMode(cookie, UnixFileMode.UserRead); // Erlang refuses a cookie others can read
        if (_asRoot)
        {
            await RunAsync(["chown", "-R", "rabbitmq:rabbitmq", Folder], "chown", TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>The environment of every rabbitmq-server and rabbitmqctl run: this node only, loopback only.</summary>
    private IEnumerable<string> NodeEnvironment()
    {
        string At(string name) => Path.Combine(Folder, name);
        string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
        return
        [
            $"PATH={Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin"}",
            $"HOME={At("home")}",
            "LANG=C.UTF-8",
            "LC_ALL=C.UTF-8",
            $"RABBITMQ_NODENAME={NodeName}",
            "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
            $"RABBITMQ_NODE_PORT={Port(AmqpPort)}",
            $"RABBITMQ_DIST_PORT={Port(DistributionPort)}",
            $"ERL_EPMD_PORT={Port(EpmdPort)}",
            "ERL_EPMD_ADDRESS=127.0.0.1",
            $"RABBITMQ_MNESIA_BASE={At("mnesia")}",
            $"RABBITMQ_LOG_BASE={At("log")}",
            $"RABBITMQ_ENABLED_PLUGINS_FILE={At("enabled_plugins")}",
            $"RABBITMQ_CONFIG_FILE={At("rabbitmq.conf")}",
            $"RABBITMQ_ADVANCED_CONFIG_FILE={At("advanced.config")}",
            $"RABBITMQ_CONF_ENV_FILE={At("rabbitmq-env.conf")}",
            $"RABBITMQ_PID_FILE={At(RabbitMqNodeWatchdog.NodePidFile)}",
            $"ERL_CRASH_DUMP={At("erl_crash.dump")}",
            // The distribution listeners (the node's, and each rabbitmqctl's on a free port) bind loopback only.
            $"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS={LoopbackOnly}",
            $"RABBITMQ_CTL_ERL_ARGS={LoopbackOnly}",
            "RABBITMQ_CTL_DIST_PORT_MIN=0",
            "RABBITMQ_CTL_DIST_PORT_MAX=0",
        ];
    }

    /// <summary>Runs one of RabbitMQ's scripts with this node's environment only (env -i), as rabbitmq when root.</summary>
    private Task<string> RunNodeCommandAsync(string script, string[] arguments)
    {
        string[] asUser = _asRoot ? ["runuser", "-u", "rabbitmq", "--"] : [];
        return RunAsync(
            [.. asUser, "env", "-i", .. NodeEnvironment(), Path.Combine(_scriptsDirectory, script), .. arguments],
            $"{script} {string.Join(' ', arguments.Where(argument => argument != _cookie))}",
            CommandTimeout,
            Folder);
    }

    private async Task WaitForEpmdAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, EpmdPort);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private async Task WaitUntilAcceptingAsync(string startOutput)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(AmqpUri),
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return;
            }
            catch (BrokerUnreachableException) when (DateTime.UtcNow < deadline && !HasExited())
            {
                await Task.Delay(250);
            }
            catch (BrokerUnreachableException exception)
            {
                var why = HasExited() ? "exited while starting" : $"did not accept AMQP connections within {StartTimeout.TotalSeconds} s";
                throw new InvalidOperationException(
                    $"RabbitMQ node {NodeName} ({Folder}) {why}.\nrabbitmq-server said: {startOutput}\nLog tail:\n{LogTail()}", exception);
            }
        }
    }

    /// <summary>True once the started node's process is gone (it writes its pid file within a moment of starting).</summary>
    private bool HasExited() => ReadPid(RabbitMqNodeWatchdog.NodePidFile, alive: false) is { } pid && !IsAlive(pid);

    /// <summary>The pid in a pid file (one that is still running, unless <paramref name="alive"/> is false).</summary>
    private int? ReadPid(string file, bool alive = true)
    {
        try
        {
            // Empty while the node is still writing it.
            var text = File.ReadAllText(Path.Combine(Folder, file)).Trim();
            return int.TryParse(text, CultureInfo.InvariantCulture, out var pid) && (!alive || IsAlive(pid)) ? pid : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Running, not a zombie waiting to be reaped.</summary>
    private static bool IsAlive(int pid)
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

    private string UriFor(string path) => $"amqp://{User}:{Password}@127.0.0.1:{AmqpPort.ToString(CultureInfo.InvariantCulture)}{path}";

    /// <summary>The directory with rabbitmq-server, rabbitmqctl and rabbitmq-env (not Debian's /usr/sbin wrappers, which su).</summary>
    private static string FindScriptsDirectory()
    {
        var candidates = new List<string> { "/usr/lib/rabbitmq/bin" };
        if (Environment.GetEnvironmentVariable("RABBITMQ_HOME") is { Length: > 0 } home)
        {
            candidates.Insert(0, Path.Combine(home, "sbin"));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(directory => new[] { "rabbitmq-server", "rabbitmqctl", "rabbitmq-env" }.All(file => File.Exists(Path.Combine(directory, file))))
            ?? throw new InvalidOperationException(
                "RabbitMQ server not found: install it (apt-get install rabbitmq-server) or set RABBITMQ_HOME to an unpacked generic-unix release.");
    }

    /// <summary>Three distinct free loopback ports: AMQP, distribution, epmd.</summary>
    private static (int, int, int) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(listener => listener.Start());
            var ports = listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToList();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            listeners.ForEach(listener => listener.Stop());
        }
    }

    private static async Task<string> RunAsync(string[] command, string description, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{description} did not finish within {timeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{description} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }

        return await stdout;
    }
}
