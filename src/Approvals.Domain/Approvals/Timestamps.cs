namespace Approvals.Domain;

public static class Timestamps
{
    /// <summary>
    /// Times are kept to the microsecond (PostgreSQL's precision) in UTC; normalising first makes "unchanged"
    /// comparisons exact and a write answer exactly what a later read returns.
    /// </summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }
}
