using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Approvals.Bench;

/// <summary>
/// The vote scenario's requests and ceiling. A vote is final, so every request needs an approval its voter has not
/// voted on yet: each vote goes to an approval of its own, a fresh clone of a template approval that names three
/// users with policy <c>all</c> (<see cref="VotePeople"/>, <see cref="VotePool"/>), voted on by the first of them. That
/// vote is always valid (no <c>approval.already_voted</c>, no decision: the approval stays PENDING), no two connections
/// wait for one approval's row lock, and the service and its ceiling write the same change to the same row: the first
/// vote on an approval, version 1 to 2. The deciding vote is a decision, whose path the decide scenario measures.
/// bench/wrk/vote.lua numbers its requests from the first pool approval this class gives it and reports in
/// <c>done()</c> where the next run may start; the pool is topped up before each run, outside what is measured.
/// </summary>
internal sealed partial class VoteLoad() : HttpLoad("vote.lua", new CeilingScript(VoteCeiling.Script, VoteCeiling.VariablesFor(1, VoteCeiling.Example)))
{
    /// <summary>Votes per second the pool is sized for at first; raised to what the service did, with room to spare.</summary>
    private double _expectedPerSecond = 3_000;

    private string _tokensFile = "";
    private Guid[] _templates = [];
    private VotePool? _pool;
    private VoteCeiling? _ceiling;

    /// <summary>The next pool approval to vote on, and the last one that exists.</summary>
    private long _next;
    private long _last;

    public override async Task PrepareAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { BaseAddress = context.ApprovalsUrl, Timeout = TimeSpan.FromSeconds(30) };
        var tokens = await VotePeople.SignInAsync(http, context.ApiKey, cancellationToken);
        _templates = await VotePeople.CreateTemplatesAsync(http, context.ApiKey, cancellationToken);

        // Short-lived bearer tokens of throwaway accounts on this run's service; bench/results is not committed.
        _tokensFile = Path.Combine(context.Paths.Results, "vote-tokens.txt");
        await File.WriteAllLinesAsync(_tokensFile, tokens, cancellationToken);
        _pool = new VotePool(context.ConnectionString);
        _last = await _pool.CountAsync(VotePool.ServicePrefix, cancellationToken);
        _next = _last + 1;
        _ceiling = new VoteCeiling(context, _pool, _templates);
        Console.WriteLine($"[vote] {VotePeople.VoterCount} voters signed in through POST /api/v1/auth/token and {_templates.Length} template approvals " +
            $"naming {VotePeople.SeatsPerApproval} of them each (policy all) created, in {clock.Elapsed.TotalSeconds:0.0} s; " +
            $"{_last:N0} pool approvals from earlier runs left unused");
    }

    public override async Task<IReadOnlyList<string>> ArgumentsAsync(BenchContext context, int seconds, CancellationToken cancellationToken)
    {
        // Twice what the run is expected to need; when short, enough for half a minute more at once (fewer top-ups).
        var needed = (long)Math.Ceiling(_expectedPerSecond * 2 * seconds) + context.Options.Connections;
        if (_last < _next + needed)
        {
            var last = _next + Math.Max(needed, (long)Math.Ceiling(_expectedPerSecond * 30));
            var numbers = new long[last - _last];
            for (var i = 0; i < numbers.Length; i++)
            {
                numbers[i] = _last + 1 + i;
            }

            var clock = Stopwatch.StartNew();
            await _pool!.CloneAsync(VotePool.ServicePrefix, numbers, _templates, cancellationToken);
            _last = last;
            Console.WriteLine($"[vote] pool topped up by {numbers.Length:N0} approvals (to {last:N0}) in {clock.Elapsed.TotalSeconds:0.0} s");
        }

        return [_tokensFile, _next.ToString(CultureInfo.InvariantCulture), context.Options.Threads.ToString(CultureInfo.InvariantCulture)];
    }

    public override void Finished(LoadResult load)
    {
        var reported = NextPattern().Match(load.Output);
        if (!reported.Success)
        {
            throw new FormatException($"bench/wrk/vote.lua reported no \"vote pool next:\" line:\n{load.Output}");
        }

        var next = long.Parse(reported.Groups[1].Value, CultureInfo.InvariantCulture);
        if (next - 1 > _last)
        {
            throw new InvalidOperationException(
                $"The vote pool ran out: the run voted up to approval {next - 1:N0} of {_last:N0} (faster than {_expectedPerSecond:N0} votes/s?).");
        }

        _next = next;
        _expectedPerSecond = Math.Max(_expectedPerSecond, load.RequestsPerSecond);
    }

    public override Task<CeilingResult> RunCeilingAsync(BenchContext context, PgbenchRunner pgbench, int seconds, CancellationToken cancellationToken) =>
        _ceiling!.RunAsync(pgbench, seconds, cancellationToken);

    [GeneratedRegex(@"^vote pool next: (\d+)$", RegexOptions.Multiline)]
    private static partial Regex NextPattern();
}
