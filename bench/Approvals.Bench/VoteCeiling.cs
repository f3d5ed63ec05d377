using System.Globalization;
using Approvals.Domain;

namespace Approvals.Bench;

/// <summary>
/// The ceiling of <c>vote</c>: pgbench runs bench/pgbench/vote.sql, every statement ApprovalService sends for one vote,
/// each transaction on a pool approval of its own (a clone of the template the service's sample vote went to, under a
/// prefix of this run's own), writing exactly what the service wrote for that vote: the approval's new row and the
/// vote's event, read back from the database (<see cref="VotePool.SampleAsync"/>), so the two cannot differ in what
/// they store. Afterwards it checks that every transaction voted on one pool approval and appended one event, and
/// removes the pool approvals left unused.
/// </summary>
internal sealed class VoteCeiling(BenchContext context, VotePool pool, Guid[] templates)
{
    public const string Script = "vote.sql";

    /// <summary>Pool approval: <c>018f000b-0000-7000-&lt;pool in 4 hex&gt;-&lt;client × 2^20 + seq in 12 hex&gt;</c>; its event's id likewise under 018f000c.</summary>
    private const string PoolPrefix = "018f000b-0000-7000-";

    private const string EventPrefix = "018f000c-0000-7000-";

    /// <summary>Stand-ins for checking the script's variables without a database (<c>--check-scripts</c>); a run uses the service's own.</summary>
    public static readonly VoteSample Example = new(
        1, "Bench vote", "Created by the benchmark's vote scenario.", new DateTimeOffset(2099, 12, 31, 0, 0, 0, TimeSpan.Zero), [],
        (short)ApprovalStatus.Pending, 2, """[{"name":"approval","approvers":[{"user":"bench-voter-00"}],"policy":{"mode":"all"}}]""", 0,
        ["user:bench-voter-00"], """[{"stage":0,"voter":"bench-voter-00"}]""", 2, ApprovalEventType.VoteCast.ToWireName(),
        new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), Caller.ForUser("018f0000-0000-7000-8000-000000000009"), "0HNBENCH0000:00000001", "{}");

    /// <summary>
    /// Votes per second the pool is sized for (twice this); raised to what pgbench really did. More than pgbench did in
    /// its first runs (about 6,000 with the machine quiet): a client that runs out of pool approvals aborts pgbench.
    /// </summary>
    private double _expectedPerSecond = 8_000;

    private VoteSample? _sample;

    /// <summary>The -D variables of vote.sql for one pool: the values of <paramref name="sample"/>, as the service sent them.</summary>
    public static IReadOnlyDictionary<string, string> VariablesFor(int pool, VoteSample sample) => new Dictionary<string, string>
    {
        ["pool_prefix"] = Prefix(PoolPrefix, pool),
        ["event_prefix"] = Prefix(EventPrefix, pool),

        // Who the voter is: the delegations to them (DelegatorsActive).
        ["delegate_subject"] = sample.Actor[Caller.UserPrefix.Length..],
        ["now"] = PgbenchValues.Timestamp(sample.OccurredAt),

        // The approval's new row.
        ["title"] = sample.Title,
        ["description"] = sample.Description,
        ["deadline"] = PgbenchValues.Timestamp(sample.Deadline),
        ["remind_before"] = PgbenchValues.Array(sample.RemindBefore),
        ["status"] = PgbenchValues.Number(sample.Status),
        ["version"] = PgbenchValues.Number(sample.Version),
        ["read_version"] = PgbenchValues.Number(sample.Version - 1),
        ["stages"] = sample.Stages,
        ["open_stage"] = PgbenchValues.Number(sample.OpenStage),
        ["open_seats"] = PgbenchValues.Array(sample.OpenSeats),
        ["votes"] = sample.Votes,

        // The vote's event.
        ["sequences"] = PgbenchValues.Array(PgbenchValues.Number(sample.Sequence)),
        ["types"] = PgbenchValues.Array(sample.EventType),
        ["occurred_ats"] = PgbenchValues.Array(PgbenchValues.Timestamp(sample.OccurredAt)),
        ["actors"] = PgbenchValues.Array(sample.Actor),
        ["correlation_ids"] = PgbenchValues.Array(sample.CorrelationId),
        ["datas"] = PgbenchValues.Array(sample.Data),
    };

    public async Task<CeilingResult> RunAsync(PgbenchRunner pgbench, int seconds, CancellationToken cancellationToken)
    {
        _sample ??= await pool.SampleAsync(cancellationToken)
            ?? throw new InvalidOperationException("The service cast no vote on its pool before the vote ceiling ran.");
        var clients = context.Options.Connections;
        var number = Random.Shared.Next(1, 0xffff);
        var prefix = Prefix(PoolPrefix, number);
        var perClient = (long)Math.Ceiling(_expectedPerSecond * 2 * seconds / clients);
        var numbers = new long[clients * perClient];
        for (var client = 0L; client < clients; client++)
        {
            for (var seq = 1L; seq <= perClient; seq++)
            {
                numbers[(client * perClient) + seq - 1] = (client * 1_048_576) + seq;
            }
        }

        await pool.CloneAsync(prefix, numbers, [templates[_sample.Number % templates.Length]], cancellationToken);
        var result = await pgbench.RunAsync(Script, seconds, VariablesFor(number, _sample), cancellationToken);
        var (voted, events) = await pool.CountVotedAsync(prefix, _sample.Version, cancellationToken);
        await pool.RemoveUnvotedAsync(prefix, cancellationToken);
        if (voted != result.Transactions - result.Failed || events != voted)
        {
            throw new InvalidOperationException(
                $"The vote ceiling is not valid: pgbench ran {result.Transactions:N0} transactions ({result.Failed:N0} failed) but {voted:N0} pool approvals " +
                $"were voted on at version {_sample.Version} with {events:N0} events (one each expected; a pool too small, or bench/pgbench/vote.sql no longer matches the schema).");
        }

        _expectedPerSecond = Math.Max(_expectedPerSecond, result.TransactionsPerSecond);
        return result;
    }

    private static string Prefix(string start, int pool) => string.Create(CultureInfo.InvariantCulture, $"{start}{pool:x4}-");
}
