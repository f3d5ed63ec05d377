namespace Approvals.Domain;

/// <summary>
/// The rules of delegation, as pure functions:
/// <list type="bullet">
/// <item>A period starts at <c>from</c> (now when not given; a time in the past also means now) and ends at
/// <c>until</c>, which must come after it and at most <see cref="MaxAhead"/> from now, so nobody stands in for
/// someone indefinitely.</item>
/// <item>Nobody delegates to themselves (<c>delegation.to_self</c>), and the delegate must be an enabled user
/// (<c>delegation.unknown_user</c>, the same answer for both so the rule reveals no more than it must).</item>
/// <item>No chains: within the period, the delegate may not have delegated themselves, and the delegator may not be
/// anyone's delegate. Together these refuse A→B plus B→C whichever is set first, so a vote passes through at most
/// one delegation and "acting for" is never transitive (<c>delegation.chain</c>).</item>
/// <item>No cycles: A→B while B→A overlaps is named as such (<c>delegation.cycle</c>); longer cycles would need a chain.</item>
/// </list>
/// </summary>
public static class DelegationRules
{
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);

    /// <summary>The period to store, or null with the reasons in <paramref name="errors"/>.</summary>
    public static (DateTimeOffset From, DateTimeOffset Until)? Period(
        DateTimeOffset? from, DateTimeOffset? until, DateTimeOffset now, FieldErrors errors)
    {
        var start = Timestamps.ToStoredPrecision(from is { } given && given > now ? given : now);
        if (until is not { } end)
        {
            errors.Add("until", "Required: when the delegation ends.");
            return null;
        }

        end = Timestamps.ToStoredPrecision(end);
        if (end <= start)
        {
            errors.Add("until", "Must be after from (and after now).");
            return null;
        }

        if (end > now + MaxAhead)
        {
            errors.Add("until", $"Must be at most {MaxAhead.TotalDays:0} days from now.");
            return null;
        }

        return (start, end);
    }

    /// <summary>
    /// Null when <paramref name="proposed"/> may be stored; otherwise the 422 that refuses it.
    /// </summary>
    /// <param name="delegateIsEnabledUser">Whether the delegate names an existing user who is not disabled.</param>
    /// <param name="existing">
    /// The stored delegations that involve the delegator or the delegate, except the delegator's own (which the proposed
    /// one replaces); any others are ignored.
    /// </param>
    public static DomainError? Check(Delegation proposed, bool delegateIsEnabledUser, IEnumerable<Delegation> existing)
    {
        if (string.Equals(proposed.Delegator, proposed.Delegate, StringComparison.Ordinal))
        {
            return new DomainError(ErrorCodes.DelegationToSelf, "Nobody can delegate to themselves.");
        }

        if (!delegateIsEnabledUser)
        {
            return new DomainError(ErrorCodes.DelegationUnknownUser,
                $"'{proposed.Delegate}' is not a user who can act: delegate to an existing, enabled user.");
        }

        var overlapping = existing
            .Where(d => !string.Equals(d.Delegator, proposed.Delegator, StringComparison.Ordinal))
            .Where(d => d.Overlaps(proposed.From, proposed.Until))
            .ToList();
        if (overlapping.Any(d => d.Delegator == proposed.Delegate && d.Delegate == proposed.Delegator))
        {
            return new DomainError(ErrorCodes.DelegationCycle,
                $"'{proposed.Delegate}' has delegated to you for part of this period; two people cannot stand in for each other.");
        }

        if (overlapping.FirstOrDefault(d => d.Delegator == proposed.Delegate) is { } onward)
        {
            return new DomainError(ErrorCodes.DelegationChain,
                $"'{proposed.Delegate}' has delegated to '{onward.Delegate}' for part of this period; delegations do not pass on.");
        }

        if (overlapping.FirstOrDefault(d => d.Delegate == proposed.Delegator) is { } inward)
        {
            return new DomainError(ErrorCodes.DelegationChain,
                $"'{inward.Delegator}' has delegated to you for part of this period; you cannot pass that on.");
        }

        return null;
    }
}
