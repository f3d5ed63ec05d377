using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Features;

/// <summary>Settings of the inbox (section <c>Inbox</c>).</summary>
public sealed class InboxOptions
{
    public const string Section = "Inbox";

    /// <summary>
    /// The longest an inbox's counts are reused (<see cref="InboxCountsCache"/>); zero counts on every read. Counts are
    /// dropped sooner when anything commits an event, on any instance, or an approval in them passes its deadline; this
    /// bounds only changes that raise no event, and rows written to the database by hand.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Inbox:CountsMaxAge must be from 00:00:00 (no reuse) to 00:10:00.")]
    public TimeSpan CountsMaxAge { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Reuses an inbox's counts between reads. Counting means testing every waiting approval (10,000 waiting: about 8 ms of
/// the database's time), while a page needs only its first rows (<see cref="ApprovalInbox"/>), so every page and the
/// header of every web page would otherwise pay for the count. The counts stay exact: an entry is used only while no
/// event has been committed since it was read (<see cref="ApprovalEventSignal"/>, which other instances reach through
/// NOTIFY), while none of its approvals has passed its deadline since (the overdue count), and for at most
/// <see cref="InboxOptions.CountsMaxAge"/>. The key is everything the counts depend on: the voters with their seats
/// (so a change of groups, roles or delegations reads anew) and the filters.
/// </summary>
public sealed class InboxCountsCache(ApprovalEventSignal signal, IOptionsMonitor<InboxOptions> options, TimeProvider clock)
{
    /// <summary>Above this many entries the stale ones are swept out, and if that is not enough, all of them.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Take before reading the counts and hand to <see cref="Remember"/>: a commit during the read then drops them.</summary>
    public Task Generation => signal.NextWake;

    public InboxCounts? Find(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (IsCurrent(entry, clock.GetUtcNow()))
        {
            return entry.Counts;
        }

        _entries.TryRemove(KeyValuePair.Create(key, entry));
        return null;
    }

    public void Remember(string key, InboxCounts counts, Task generation)
    {
        var maxAge = options.CurrentValue.CountsMaxAge;
        if (maxAge <= TimeSpan.Zero || generation.IsCompleted)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var until = now + maxAge;
        if (counts.NextOverdueAt is { } nextOverdue && nextOverdue < until)
        {
            until = nextOverdue;
        }

        Trim(now);
        _entries[key] = new Entry(counts, generation, until);
    }

    private static bool IsCurrent(Entry entry, DateTimeOffset now) => !entry.Generation.IsCompleted && now < entry.Until;

    private void Trim(DateTimeOffset now)
    {
        if (_entries.Count < MaxEntries)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (!IsCurrent(entry, now))
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
    }

    private sealed record Entry(InboxCounts Counts, Task Generation, DateTimeOffset Until);
}
