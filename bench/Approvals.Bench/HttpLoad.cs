using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// What an <see cref="HttpScenario"/> sends and what its ceiling runs. As it is here: every wrk run gets the same
/// script arguments (the API key and the size of the data set) and every pgbench run the same variables, which suits
/// scenarios that read or add rows. A scenario whose requests use up rows (each vote needs an approval nobody voted
/// on yet) derives from it and gives each run fresh ones (<see cref="VoteLoad"/>).
/// </summary>
internal class HttpLoad(string wrkScript, CeilingScript? ceiling)
{
    public string WrkScript => wrkScript;

    /// <summary>The pgbench script and the -D variables it is checked with (<c>--check-scripts</c>); null: no ceiling.</summary>
    public CeilingScript? Ceiling => ceiling;

    /// <summary>The -D variables of <paramref name="script"/>: its own and the data set's.</summary>
    public static Dictionary<string, string> VariablesOf(CeilingScript script, BenchOptions options) => new(script.Variables)
    {
        ["approvals"] = options.Approvals.ToString(CultureInfo.InvariantCulture),
        ["id_prefix"] = DataSet.IdPrefix,
    };

    /// <summary>Once, before the warm-up: whatever the requests need besides the data set.</summary>
    public virtual Task PrepareAsync(BenchContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Before a wrk run of <paramref name="seconds"/>, outside what is measured: the script's arguments.</summary>
    public virtual Task<IReadOnlyList<string>> ArgumentsAsync(BenchContext context, int seconds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([context.ApiKey, context.Options.Approvals.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>After each wrk run, with what it measured and printed.</summary>
    public virtual void Finished(LoadResult load)
    {
    }

    /// <summary>The p99 the scenario must stay under, checked in the report; null: no latency target.</summary>
    public virtual TimeSpan? TargetP99 => null;

    /// <summary>After the last round: anything the load must still find true (a failure stops the scenario).</summary>
    public virtual Task CheckAfterAsync(BenchContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One ceiling run of <paramref name="seconds"/>.</summary>
    public virtual Task<CeilingResult> RunCeilingAsync(BenchContext context, PgbenchRunner pgbench, int seconds, CancellationToken cancellationToken) =>
        pgbench.RunAsync(ceiling!.File, seconds, VariablesOf(ceiling, context.Options), cancellationToken);
}
