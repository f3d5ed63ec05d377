using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// A reliability scenario: decisions at a steady rate (open loop) from a client that retries with the same
/// Idempotency-Key when it gets no answer or a 503, while something breaks on the way. Afterwards it checks, from
/// both databases, that nothing was lost or done twice: every decision accepted, decided once, delivered to
/// UserService once per job (by webhook-id), and at its final status, none stuck in ACKNOWLEDGED_* or in ERROR.
/// It prints PASS or FAIL with the counts it checked; a FAIL makes the tool exit non-zero.
/// </summary>
internal abstract class ChaosScenario : IScenario
{
    /// <summary>Long enough for the default retry schedule (0, 2, 10, 60 s) and a lease (60 s) to run out and be taken over.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(5);

    public abstract string Name { get; }

    public abstract string Description { get; }

    public bool NeedsDelivery => true;

    public virtual IReadOnlyList<BenchTransport>? RunsOn(IReadOnlyList<BenchTransport> chosen) => chosen;

    /// <summary>How many decisions the scenario sends.</summary>
    protected virtual int Decisions => 2000;

    /// <summary>At what rate: slow enough that the disruptions land in the middle of the load.</summary>
    protected virtual double DecisionsPerSecond => 40;

    public async Task<ScenarioResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine($"[{Name}] {Description}: {Decisions:N0} decisions at {DecisionsPerSecond:0}/s");
        var ledger = new DecisionLedger(context.ConnectionString);
        var pool = await ledger.PendingAsync(onlyFirstRule: false, cancellationToken);
        if (pool.Remaining < Decisions)
        {
            throw new InvalidOperationException($"{Name} needs {Decisions:N0} undecided pending approvals, the data set has {pool.Remaining:N0}: use a fresh database.");
        }

        using var client = new DecisionClient(context.ApprovalsUrl, context.ApiKey, context.Options.Connections) { RetryBudget = SettleTimeout };
        var disruption = new Disruption(this, context, cancellationToken);
        var batch = await client.RunOpenLoopAsync(pool, DecisionsPerSecond, Decisions, retry: true, disruption.OnSentAsync, cancellationToken);
        await disruption.FinishedAsync();
        Console.WriteLine($"[{Name}] all {batch.Sent.Count:N0} decisions answered in {batch.Elapsed.TotalSeconds:0} s; answers: {Answers(batch)}; waiting for delivery");

        var outcomes = await ledger.WaitUntilSettledAsync([.. batch.Sent.Select(s => s.ApprovalId)], SettleTimeout, cancellationToken);
        List<TargetCheck> checks = [.. CommonChecks(batch, outcomes), .. ExtraChecks(batch, outcomes, disruption.Log)];
        var passed = checks.All(c => c.Met);
        Console.WriteLine($"[{Name}] {(passed ? "PASS" : "FAIL")}");
        foreach (var check in checks)
        {
            Console.WriteLine($"  {(check.Met ? "ok  " : "FAIL")} {check.Text}");
        }

        return new ScenarioResult(Name, new LoadResult(batch.Sent.Count, batch.Elapsed, batch.Percentile(0.5), batch.Percentile(0.99), 0, 0), null, null, [])
        {
            IsReliability = true,
            Checks = checks,
            Notes = [$"{Name}: {string.Join("; ", disruption.Log)}; answers {Answers(batch)}"],
        };
    }

    /// <summary>What breaks and when: called after each decision sent, with how many have been sent.</summary>
    protected abstract Task DisruptAsync(BenchContext context, int sent, Action<string> log, CancellationToken cancellationToken);

    /// <summary>Takes something down for <paramref name="outage"/>, then brings it back, logging both ends.</summary>
    protected static async Task OutageAsync(
        string what, int sent, Func<Task> stop, TimeSpan outage, Func<Task> start, Action<string> log, CancellationToken cancellationToken)
    {
        log($"{what} stopped after {sent:N0} decisions sent");
        await stop();
        await Task.Delay(outage, cancellationToken);
        await start();
        log($"{what} ready again");
    }

    /// <summary>Checks of the scenario's own, besides the common ones.</summary>
    protected virtual IEnumerable<TargetCheck> ExtraChecks(DecisionBatch batch, IReadOnlyList<DecisionOutcome> outcomes, IReadOnlyList<string> log) => [];

    protected static string Answers(DecisionBatch batch) =>
        string.Join(", ", batch.AnswersByStatus.OrderBy(a => a.Key).Select(a => string.Create(CultureInfo.InvariantCulture,
            $"{(a.Key == 0 ? "no answer" : a.Key.ToString(CultureInfo.InvariantCulture))} × {a.Value:N0}")));

    private static IEnumerable<TargetCheck> CommonChecks(DecisionBatch batch, IReadOnlyList<DecisionOutcome> outcomes)
    {
        var accepted = batch.Sent.Count(s => s.Accepted);
        yield return new TargetCheck($"every decision accepted (202), retried through the outage where needed ({accepted:N0} of {batch.Sent.Count:N0})", accepted == batch.Sent.Count);
        foreach (var check in EffectChecks.Of(batch.Sent, outcomes))
        {
            yield return check;
        }
    }

    /// <summary>Runs the scenario's disruption beside the load, and keeps what it did, for the report.</summary>
    private sealed class Disruption(ChaosScenario scenario, BenchContext context, CancellationToken cancellationToken)
    {
        private readonly List<string> _log = [];
        private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
        private Task _running = Task.CompletedTask;

        public IReadOnlyList<string> Log => _log;

        public Task OnSentAsync(int sent)
        {
            // The load must keep its pace: the disruption runs beside it, one step after the other.
            var previous = _running;
            _running = previous.ContinueWith(_ => scenario.DisruptAsync(context, sent, Record, cancellationToken), cancellationToken,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
            return Task.CompletedTask;
        }

        public Task FinishedAsync() => _running;

        private void Record(string what)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{(DateTimeOffset.UtcNow - _start).TotalSeconds:0.0} s: {what}");
            Console.WriteLine($"[{scenario.Name}] {line}");
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }
}
