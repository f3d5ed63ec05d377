namespace Approvals.Domain;

/// <summary>
/// <paramref name="Delegator"/> lets <paramref name="Delegate"/> act for them from <paramref name="From"/> until
/// (not including) <paramref name="Until"/>. People are named by username. A person has at most one delegation of
/// their own; setting another replaces it.
/// </summary>
public sealed record Delegation(string Delegator, string Delegate, DateTimeOffset From, DateTimeOffset Until)
{
    /// <summary>Whether the two periods share an instant (both are half-open: <c>[From, Until)</c>).</summary>
    public bool Overlaps(DateTimeOffset from, DateTimeOffset until) => From < until && from < Until;

    public bool IsActiveAt(DateTimeOffset now) => From <= now && now < Until;
}

