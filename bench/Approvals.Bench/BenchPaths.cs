namespace Approvals.Bench;

/// <summary>Where things are in the checkout: the scripts in bench/, the projects in src/, run output in bench/results/.</summary>
internal sealed class BenchPaths
{
    private BenchPaths(string root)
    {
        Root = root;
        Results = Path.Combine(root, "bench", "results");
        Directory.CreateDirectory(Results);
    }

    public string Root { get; }

    /// <summary>Logs and SQL statement snapshots of the last run (ignored by git).</summary>
    public string Results { get; }

    public string WrkScript(string name) => Path.Combine(Root, "bench", "wrk", name);

    public string PgbenchScript(string name) => Path.Combine(Root, "bench", "pgbench", name);

    /// <summary>A statement the service sends (<c>Persistence/Sql/&lt;name&gt;.sql</c>), which the pgbench scripts include.</summary>
    public string ServiceStatement(string name) => Path.Combine(Root, "src", "Approvals.Api", "Persistence", "Sql", name + ".sql");

    public string Project(string name) => Path.Combine(Root, "src", name);

    /// <summary>The checkout that holds Approvals.slnx, searched upwards from the working directory, then from the tool.</summary>
    public static BenchPaths Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Approvals.slnx")))
                {
                    return new BenchPaths(directory.FullName);
                }
            }
        }

        throw new InvalidOperationException("Run the benchmark inside the Approvals checkout (Approvals.slnx not found).");
    }
}
