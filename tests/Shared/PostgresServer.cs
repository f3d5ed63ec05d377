using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Approvals.Testing;

/// <summary>
/// A real PostgreSQL for tests: the server named by <c>APPROVALS_TEST_CONNECTION</c> when set, otherwise a throwaway
/// cluster started once per test run on a free loopback port (as the <c>postgres</c> OS user when running as root,
/// since initdb refuses root) and removed when the run ends. Each test class gets its own database.
/// A test that must stop the server starts a dedicated cluster (<see cref="StartDedicatedAsync"/>) and disposes it,
/// so the classes running in parallel on the shared one never notice. Every cluster has a
/// <see cref="TestProcessLifeline"/> that stops it and removes its folder once the test process has ended, however it
/// ended: a test host the runner kills while its exit handler still stops the shared cluster would otherwise leave
/// the server running. Clusters left behind all the same (the lifeline killed too) are stopped and removed when the
/// next one starts (<see cref="RemoveOrphanedClusters"/>): each cluster's folder names its owning process
/// (<see cref="TestServerOwner"/>).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private const string ClusterDirectoryPrefix = "approvals-test-pg-";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);
    private static int _orphansSwept;
    private readonly string? _dataDirectory;
    private readonly string? _binDirectory;
    private TestProcessLifeline? _lifeline;

    private PostgresServer(string adminConnectionString, string? dataDirectory, string? binDirectory)
    {
        AdminConnectionString = adminConnectionString;
        _dataDirectory = dataDirectory;
        _binDirectory = binDirectory;
    }

    /// <summary>Connects to the <c>postgres</c> maintenance database as a superuser.</summary>
    public string AdminConnectionString { get; }

    /// <summary>The PostgreSQL binaries of the throwaway cluster (initdb, pg_ctl, pgbench), or null for an external server.</summary>
    public string? BinDirectory => _binDirectory;

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>
    /// Starts a throwaway cluster of its own (always local, whatever APPROVALS_TEST_CONNECTION says), with extra server
    /// options appended (the benchmark adds <c>-c shared_preload_libraries=pg_stat_statements</c>); dispose it.
    /// </summary>
    public static Task<PostgresServer> StartDedicatedAsync(string extraServerOptions = "") =>
        StartClusterAsync(extraServerOptions, Path.GetTempPath(), TestServerOwner.Current);

    /// <summary>A throwaway cluster under <paramref name="root"/> recorded as <paramref name="owner"/>'s (for the sweep's tests).</summary>
    internal static Task<PostgresServer> StartDedicatedAsync(string root, TestServerOwner owner) => StartClusterAsync("", root, owner);

    /// <summary>The folder of a throwaway cluster (its data directory, socket, options and owner), or null for an external server.</summary>
    public string? Folder => _dataDirectory;

    /// <summary>The running server's process (the postmaster), or null when it is not running or the server is external.</summary>
    public int? ServerProcessId
    {
        get
        {
            try
            {
                var pidFile = _dataDirectory is null ? null : Path.Combine(_dataDirectory, "data", "postmaster.pid");
                return pidFile is not null && int.TryParse(File.ReadLines(pidFile).First(), out var pid) && TestServerOwner.Of(pid) is not null ? pid : null;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, string? template = null)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = template is null
            ? $"CREATE DATABASE \"{name}\""
            : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"";
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>Stops the throwaway cluster (keeping its files) so tests can see the service without a database.</summary>
    public void Stop() => RunPgCtl("stop", "-m", "fast");

    public void Start() => RunPgCtl("start", "-w", "-l", Path.Combine(_dataDirectory!, "server.log"));

    public bool CanRestart => _dataDirectory is not null;

    /// <summary>Stops and removes a throwaway cluster; an external server is left alone.</summary>
    public void Dispose()
    {
        if (_dataDirectory is not null)
        {
            Destroy();
        }
    }

    /// <summary>
    /// After the test process ends ($1 = the cluster's folder): an immediate shutdown (SIGQUIT) of the postmaster named in
    /// postmaster.pid if its command line still names the folder, then the folder removed.
    /// </summary>
    private const string LifelineScript = """
        exec 2>/dev/null # standard output stays open until the end: it tells the test process the cleanup is done
        folder=$1
        cat >/dev/null # returns at end of file: the test process released the cluster or died
        pid=$(head -n 1 "$folder/data/postmaster.pid" 2>/dev/null)
        if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$folder/"; then
          kill -QUIT "$pid"
          for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
          done
        fi
        rm -rf "$folder"
        """;

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var configured = Environment.GetEnvironmentVariable("APPROVALS_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PostgresServer(configured, null, null);
        }

        var server = await StartClusterAsync("", Path.GetTempPath(), TestServerOwner.Current);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Destroy();
        return server;
    }

    private static async Task<PostgresServer> StartClusterAsync(string extraServerOptions, string root, TestServerOwner owner)
    {
        var bin = FindBinDirectory();
        if (Interlocked.Exchange(ref _orphansSwept, 1) == 0)
        {
            RemoveOrphanedClusters(Path.GetTempPath());
        }

        var dataDirectory = Path.Combine(root, $"{ClusterDirectoryPrefix}{owner.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dataDirectory);
        owner.WriteTo(dataDirectory);
        var lifeline = TestProcessLifeline.Start("postgres-cluster-lifeline", LifelineScript, dataDirectory);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", "postgres:postgres", dataDirectory);
        }

        var port = FreePort();
        var server = new PostgresServer(
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50;Timeout=15",
            dataDirectory,
            bin)
        { _lifeline = lifeline };

        RunAs(asRoot, Path.Combine(bin, "initdb"), "-D", Path.Combine(dataDirectory, "data"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8");
        var options = $"-p {port} -k {dataDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
                      "-c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB " + extraServerOptions;
        File.WriteAllText(Path.Combine(dataDirectory, "options"), options);
        if (asRoot)
        {
            Run("chown", "postgres:postgres", Path.Combine(dataDirectory, "options"));
        }

        server.Start();
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>
    /// Stops and removes the clusters under <paramref name="root"/> of test or benchmark processes that died without
    /// cleaning up (killed, so their exit handler never ran), and returns their folders. A cluster whose owner still
    /// runs is left alone; one whose owner's pid now belongs to another process is not (<see cref="TestServerOwner"/>).
    /// The first cluster a process starts sweeps the temp folder.
    /// </summary>
    internal static List<string> RemoveOrphanedClusters(string root)
    {
        var bin = FindBinDirectory();
        var removed = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories(root, ClusterDirectoryPrefix + "*"))
        {
            if (!TestServerOwner.IsGone(directory, ClusterDirectoryPrefix))
            {
                continue;
            }

            try
            {
                RunAs(Environment.UserName == "root", Path.Combine(bin, "pg_ctl"), "stop", "-m", "immediate", "-D", Path.Combine(directory, "data"));
            }
            catch (InvalidOperationException)
            {
                // Not running (its server died with it, or it never started).
            }

            DeleteDirectory(directory);
            removed.Add(directory);
        }

        return removed;
    }

    /// <summary>Deletes a cluster's directory; once more after a moment if a server still shutting down added files.</summary>
    private static void DeleteDirectory(string directory)
    {
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return; // Another test process swept it first.
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(500);
            }
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (attempt < 50)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Stops the throwaway cluster and deletes its files; it also runs when the process exits.</summary>
    private void Destroy()
    {
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            try
            {
                RunPgCtl("stop", "-m", "immediate");
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }

            DeleteDirectory(_dataDirectory);
        }

        _lifeline?.Release();
    }

    /// <summary>For a test: lets the lifeline go without stopping the cluster, as the test process's end would.</summary>
    internal void ReleaseLifeline() => _lifeline?.Release();

    private void RunPgCtl(params string[] arguments)
    {
        var dataDirectory = _dataDirectory ?? throw new InvalidOperationException("An external PostgreSQL cannot be stopped or started by the tests.");
        var options = File.ReadAllText(Path.Combine(dataDirectory, "options"));
        RunAs(Environment.UserName == "root", Path.Combine(_binDirectory!, "pg_ctl"),
            [.. arguments, "-D", Path.Combine(dataDirectory, "data"), "-o", options]);
    }

    public static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(configured) && File.Exists(Path.Combine(configured, "initdb")))
        {
            return configured;
        }

        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).ToList()
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found: install postgresql (apt-get install postgresql), set PG_BIN, or set APPROVALS_TEST_CONNECTION.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RunAs(bool asPostgres, string program, params string[] arguments)
    {
        if (asPostgres)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr}{stdout.Result}");
        }
    }
}
