using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>One inbox page: the approvals, the counts over the whole inbox, and the cursor of the next page.</summary>
public sealed record InboxPageRead(IReadOnlyList<ApprovalRecord> Items, InboxCounts Counts, ApprovalCursor? Next);

/// <summary>
/// Which part of the inbox to page through: the approvals naming a service rule, whose title contains a text (any
/// case), and that are overdue (true) or not yet (false). Null filters nothing. The counts stay the whole inbox's.
/// </summary>
public sealed record InboxFilter(int? ServiceRule = null, string? TitleContains = null, bool? Overdue = null)
{
    /// <summary>The longest text to look for: a title's length.</summary>
    public const int MaxTextLength = ApprovalRules.TitleMaxLength;

    public static InboxFilter None { get; } = new();
}

/// <summary>
/// The use case behind <c>GET /api/v1/inbox</c>: the open approvals where the caller, or someone who delegated to the
/// caller, may vote now (docs/policies.md), by deadline. With the counts known (<see cref="InboxCountsCache"/>), a page
/// is first looked for in a short walk of what is open in deadline order, and the whole inbox is read only when the walk
/// cannot tell (Sql/ApprovalsInbox.sql).
/// </summary>
public sealed class ApprovalInbox(ApprovalStore approvals, PeopleDirectory people, InboxCountsCache counts, TimeProvider clock)
{
    /// <summary>How many approvals a walk looks at per row of the page: a page is found this way when at least one in this many of what is open waits for the caller.</summary>
    private const int WalkRowsPerItem = 8;

    public async Task<Result<InboxPageRead>> ReadAsync(
        Caller caller, int limit, ApprovalCursor? after, InboxFilter filter, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(caller, filter, cancellationToken);
        if (prepared.Value is not { } read)
        {
            return prepared.Error!;
        }

        var afterDeadline = after?.SortValue ?? DateTimeOffset.MinValue;
        var afterId = after?.Id ?? Guid.Empty;
        InboxRead? page = null;
        var known = counts.Find(read.CacheKey);
        if (known is not null)
        {
            var walked = await approvals.InboxAsync(caller, read.Voters, read.Now, afterDeadline, afterId, limit + 1,
                filter.ServiceRule, read.Text, filter.Overdue, WalkRowsPerItem * (limit + 1), cancellationToken);
            page = walked.Items.Count > limit || walked.WalkedToTheEnd ? walked : null;
        }

        if (page is null)
        {
            var generation = counts.Generation;
            page = await approvals.InboxAsync(caller, read.Voters, read.Now, afterDeadline, afterId, limit + 1,
                filter.ServiceRule, read.Text, filter.Overdue, window: null, cancellationToken);
            known = page.Counts!;
            counts.Remember(read.CacheKey, known, generation);
        }

        ApprovalCursor? next = null;
        var items = page.Items;
        if (items.Count > limit)
        {
            items.RemoveAt(items.Count - 1);
            next = new ApprovalCursor(ApprovalSort.Deadline, items[^1].Deadline, items[^1].Id);
        }

        return new InboxPageRead(items, known!, next);
    }

    /// <summary>The counts of the caller's whole inbox (the web pages' header), reused while they hold.</summary>
    public async Task<Result<InboxCounts>> CountAsync(Caller caller, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(caller, InboxFilter.None, cancellationToken);
        if (prepared.Value is not { } read)
        {
            return prepared.Error!;
        }

        if (counts.Find(read.CacheKey) is { } known)
        {
            return known;
        }

        var generation = counts.Generation;
        var whole = await approvals.InboxAsync(caller, read.Voters, read.Now, DateTimeOffset.MinValue, Guid.Empty, 0,
            null, null, null, window: null, cancellationToken);
        counts.Remember(read.CacheKey, whole.Counts!, generation);
        return whole.Counts!;
    }

    /// <summary>Checks the filter and the caller, and resolves who the caller may vote for.</summary>
    private async Task<Result<PreparedRead>> PrepareAsync(Caller caller, InboxFilter filter, CancellationToken cancellationToken)
    {
        var text = filter.TitleContains?.Trim();
        if (text is { Length: > InboxFilter.MaxTextLength } || (text is not null && text.Any(char.IsControl)))
        {
            return DomainError.Validation("q", $"Must be at most {InboxFilter.MaxTextLength} characters, without control characters.");
        }

        if (VotingPerson.Of(caller) is not { } self)
        {
            return new DomainError(ErrorCodes.Forbidden, "Only people have an inbox; service keys do not vote.");
        }

        var now = clock.GetUtcNow();
        IReadOnlyList<VotingPerson> voters = [self, .. await people.ActiveDelegatorsAsync(caller.Actor, now, cancellationToken)];
        text = string.IsNullOrEmpty(text) ? null : text;
        return new PreparedRead(voters, now, text, CacheKeyOf(caller, voters, filter with { TitleContains = text }));
    }

    /// <summary>Everything the counts depend on: the caller, the voters with their seats, and the filters.</summary>
    private static string CacheKeyOf(Caller caller, IReadOnlyList<VotingPerson> voters, InboxFilter filter) => string.Join('\n',
        [caller.Actor, .. voters.Select(v => $"{v.Actor} {v.Username} {string.Join(',', v.Seats.Order(StringComparer.Ordinal))}"),
            $"{filter.ServiceRule}|{filter.Overdue}|{filter.TitleContains}"]);

    private sealed record PreparedRead(IReadOnlyList<VotingPerson> Voters, DateTimeOffset Now, string? Text, string CacheKey);
}
