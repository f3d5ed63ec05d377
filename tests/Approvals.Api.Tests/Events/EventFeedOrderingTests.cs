using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Approvals.Api.Tests.Events;

/// <summary>
/// The feed's promise under concurrent writers: a consumer polling with its last cursor sees every event exactly
/// once, in one order, even when transactions commit in another order than they began (a bare serial or timestamp
/// cursor would skip the late committer's events).
/// </summary>
[Collection(EventFeedTiming.Collection)]
public class EventFeedOrderingTests(EventFeedApiFactory factory, ITestOutputHelper output) : ApiTestBase<EventFeedApiFactory>(factory)
{
    private const int Writers = 16;
    private const int ApprovalsPerWriter = 4;
    private const int TransactionsPerWriter = 125;
    private const int EventsPerTransaction = 5;

    [Fact]
    public async Task An_earlier_transaction_that_commits_later_holds_the_feed_back_and_neither_event_is_skipped()
    {
        var rule = await ServiceRuleAsync();
        var first = Guid.Parse(await CreateApprovalIdAsync("Begins first", rule));
        var second = Guid.Parse(await CreateApprovalIdAsync("Commits first", rule));
        var start = await EventFeedClient.ReadToEndAsync(Client);
        await using var dataSource = NpgsqlDataSource.Create(Factory.ConnectionString);
        await using var a = await dataSource.OpenConnectionAsync();
        await using var b = await dataSource.OpenConnectionAsync();

        // A begins and writes first (the smaller transaction id); B writes after it and commits while A is still open.
        await using var transactionA = await a.BeginTransactionAsync();
        var xidA = await EventWriters.InsertAsync(a, transactionA, [(first, 2)], Factory.Clock.GetUtcNow());
        await using (var transactionB = await b.BeginTransactionAsync())
        {
            var xidB = await EventWriters.InsertAsync(b, transactionB, [(second, 2)], Factory.Clock.GetUtcNow());
            Assert.True(xidA < xidB);
            await transactionB.CommitAsync();
        }

        // B is committed, but serving it now would put the cursor past A's event once A commits.
        var meanwhile = await EventFeedClient.ReadAsync(Client, start.NextCursor);
        Assert.Empty(meanwhile.Events);
        Assert.Equal(start.NextCursor, meanwhile.NextCursor);

        // A long poll waiting meanwhile answers with both once A commits, A's first; nobody sends a notification, so
        // it is the look-again of a waiter whose events are held back that finds them.
        var poll = EventFeedClient.ReadAsync(Client, start.NextCursor, wait: 10);
        await Task.Delay(300);
        Assert.False(poll.IsCompleted, "The long poll answered while A was still open.");
        await transactionA.CommitAsync();
        var committed = Stopwatch.StartNew();
        var both = await poll;
        output.WriteLine($"Held-back events served {committed.ElapsedMilliseconds} ms after the earlier transaction committed.");

        Assert.Equal([first.ToString(), second.ToString()], both.Events.Select(e => (string)e["subject"]!));
        Assert.All(both.Events, e => Assert.Equal(2, int.Parse((string)e["sequence"]!, CultureInfo.InvariantCulture)));
        Assert.True(committed.ElapsedMilliseconds < 2000, $"Took {committed.ElapsedMilliseconds} ms.");
        Assert.Empty((await EventFeedClient.ReadAsync(Client, both.NextCursor)).Events);
    }

    [Fact]
    public async Task Ten_thousand_events_from_sixteen_writers_committing_out_of_order_are_each_seen_once_in_one_order()
    {
        var rule = await ServiceRuleAsync();
        var approvals = await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ =>
            Task.WhenAll(Enumerable.Range(0, ApprovalsPerWriter).Select(async i => Guid.Parse(await CreateApprovalIdAsync($"Feed load {i}", rule))))));
        var total = Stopwatch.StartNew();
        var commitCount = 0L;
        var commits = new ConcurrentBag<(ulong Xid, long Order)>();
        var expected = -1;
        var writing = true;
        var seenWhileWriting = 0;

        // The consumer starts at the beginning and polls as the writers write, in small pages with long polls.
        var consumer = Task.Run(async () =>
        {
            var seen = new List<JsonObject>();
            string? cursor = null;
            while (Volatile.Read(ref expected) is var count && (count < 0 || seen.Count < count))
            {
                Assert.True(total.Elapsed < TimeSpan.FromSeconds(90), $"The consumer saw {seen.Count} events in 90 s.");
                var page = await EventFeedClient.ReadAsync(Client, cursor, limit: 37, wait: 2);
                seen.AddRange(page.Events);
                cursor = page.NextCursor;
                if (Volatile.Read(ref writing))
                {
                    seenWhileWriting = seen.Count;
                }
            }

            Assert.Empty((await EventFeedClient.ReadAsync(Client, cursor)).Events);
            return seen;
        });

        await using var dataSource = NpgsqlDataSource.Create(Factory.ConnectionString);
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            var mine = approvals[writer];
            var sequences = mine.ToDictionary(id => id, _ => 1);
            await using var connection = await dataSource.OpenConnectionAsync();
            for (var t = 0; t < TransactionsPerWriter; t++)
            {
                var events = Enumerable.Range(0, EventsPerTransaction)
                    .Select(i => mine[(t * EventsPerTransaction + i) % mine.Length])
                    .Select(id => (id, ++sequences[id]))
                    .ToList();
                await using var transaction = await connection.BeginTransactionAsync();
                var xid = await EventWriters.InsertAsync(connection, transaction, events, Factory.Clock.GetUtcNow());

                // Every eighth transaction (staggered across writers) holds its events while the others commit later ones.
                if ((t + writer) % 8 == 0)
                {
                    await Task.Delay(100);
                }

                await transaction.CommitAsync();
                commits.Add((xid, Interlocked.Increment(ref commitCount)));
                await EventWriters.NotifyAsync(connection);
            }
        })));
        var writeTime = total.Elapsed;
        Volatile.Write(ref writing, false);
        var feedOrder = await EventWriters.FeedOrderAsync(Factory.ConnectionString);
        Volatile.Write(ref expected, feedOrder.Count);
        var seen = await consumer;
        var consumed = total.Elapsed;

        var inversions = CountInversions(commits);
        output.WriteLine($"{Writers * TransactionsPerWriter * EventsPerTransaction} events written in {writeTime.TotalSeconds:F1} s " +
            $"({inversions} pairs of transactions committed in the other order than they began); the consumer saw {seenWhileWriting} " +
            $"while they were written and all {seen.Count} after {consumed.TotalSeconds:F1} s.");
        Assert.True(inversions > 1000, $"Only {inversions} out-of-order commits: the test did not test what it claims.");
        Assert.True(seenWhileWriting > 0, "The consumer saw nothing while the writers wrote: it did not poll concurrently.");

        // Exactly once, in the feed's order; per approval, in sequence without gaps.
        var ids = seen.Select(e => (string)e["id"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(feedOrder, ids);
        var writerApprovals = approvals.SelectMany(a => a).Select(a => a.ToString()).ToHashSet();
        Assert.Equal(Writers * TransactionsPerWriter * EventsPerTransaction,
            seen.Count(e => (string?)e["actor"] == EventWriters.Actor && writerApprovals.Contains((string)e["subject"]!)));
        foreach (var approval in seen.GroupBy(e => (string)e["subject"]!))
        {
            var sequences = approval.Select(e => int.Parse((string)e["sequence"]!, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(sequences[0], sequences.Count), sequences);
        }

        // Another consumer reading from the start afterwards sees the identical order.
        Assert.Equal(ids, (await EventFeedClient.ReadToEndAsync(Client)).Ids);
    }

    /// <summary>Pairs of transactions where the one that began first (smaller id) committed after the other.</summary>
    private static long CountInversions(IEnumerable<(ulong Xid, long Order)> commits)
    {
        var byXid = commits.OrderBy(c => c.Xid).Select(c => c.Order).ToArray();
        long inversions = 0;
        for (var i = 0; i < byXid.Length; i++)
        {
            for (var j = i + 1; j < byXid.Length; j++)
            {
                if (byXid[i] > byXid[j])
                {
                    inversions++;
                }
            }
        }

        return inversions;
    }
}
