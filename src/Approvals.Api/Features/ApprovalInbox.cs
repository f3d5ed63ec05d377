using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>One inbox page: the approvals, the counts over the whole inbox, and the cursor of the next page.</summary>
public sealed record InboxPageRead(InboxRead Read, ApprovalCursor? Next);

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
/// caller, may vote now (docs/policies.md), by deadline.
/// </summary>
public sealed class ApprovalInbox(ApprovalStore approvals, PeopleDirectory people, TimeProvider clock)
{
    public async Task<Result<InboxPageRead>> ReadAsync(
        Caller caller, int limit, ApprovalCursor? after, InboxFilter filter, CancellationToken cancellationToken)
    {
        var text = filter.TitleContains?.Trim();
        if (text is { Length: > InboxFilter.MaxTextLength } || (text is not null && text.Any(char.IsControl)))
        {
            return DomainError.Validation("q", $"Must be at most {InboxFilter.MaxTextLength} characters, without control characters.");
        }

        if (VotingPerson.Of(caller) is not { } self)
        {
            return new DomainError(ErrorKind.Forbidden, ErrorCodes.Forbidden, "Only people have an inbox; service keys do not vote.");
        }

        var now = clock.GetUtcNow();
        var delegators = await people.ActiveDelegatorsAsync(caller.Actor, now, cancellationToken);
        var read = await approvals.InboxAsync(caller, [self, .. delegators], now,
            after?.SortValue ?? DateTimeOffset.MinValue, after?.Id ?? Guid.Empty, limit + 1,
            filter.ServiceRule, string.IsNullOrEmpty(text) ? null : text, filter.Overdue, cancellationToken);
        ApprovalCursor? next = null;
        if (read.Items.Count > limit)
        {
            read.Items.RemoveAt(read.Items.Count - 1);
            next = new ApprovalCursor(ApprovalSort.Deadline, read.Items[^1].Deadline, read.Items[^1].Id);
        }

        return new InboxPageRead(read, next);
    }
}
