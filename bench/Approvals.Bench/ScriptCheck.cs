namespace Approvals.Bench;

/// <summary>
/// <c>--check-scripts</c>: expands every ceiling script from its template, as a run would, and checks that each one
/// includes only statements that exist and reads only variables it is given (and that every variable its scenario
/// gives it is read, so a renamed parameter cannot leave a stale one behind). Needs neither PostgreSQL nor pgbench;
/// writes the expanded scripts to bench/results for reading.
/// </summary>
internal static class ScriptCheck
{
    /// <summary>Prints one line per scenario; 0 when every script passed, 1 otherwise.</summary>
    public static int Run(BenchPaths paths, BenchOptions options)
    {
        var failed = 0;
        foreach (var (scenario, file, variables) in ScenarioCatalog.Ceilings(options))
        {
            try
            {
                var script = PgbenchScript.Expand(paths, file);
                script.Check(PgbenchRunner.WithRunVariables(variables, run: 1));
                var unread = variables.Keys.Except(script.Variables).Except(DataSetVariables).Order(StringComparer.Ordinal).ToList();
                if (unread.Count > 0)
                {
                    throw new InvalidOperationException($"bench/pgbench/{file}: given but never read: {string.Join(", ", unread)}.");
                }

                var written = script.WriteTo(paths.Results);
                var statements = script.Statements.Count == 0 ? "no service statements (EF Core's, kept as written)" : string.Join(", ", script.Statements);
                Console.WriteLine($"ok   {scenario}: {file} -> {Path.GetRelativePath(paths.Root, written)}: {statements}; " +
                    $"{script.Variables.Count} variables");
            }
            catch (InvalidOperationException exception)
            {
                failed++;
                Console.WriteLine($"FAIL {scenario}: {exception.Message}");
            }
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>Given to every HTTP scenario's script, whether it reads them or not.</summary>
    private static readonly string[] DataSetVariables = ["approvals", "id_prefix"];
}
