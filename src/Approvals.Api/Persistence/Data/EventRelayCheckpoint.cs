namespace Approvals.Api.Persistence.Data;

/// <summary>
/// How far a relay has published the event stream to the broker: the feed position (<c>transaction_id</c>, xid8, not
/// mapped by EF Core, and <see cref="Position"/>) of the last event the broker confirmed. One row per relay name; the
/// relay that holds the relay lock advances it after each confirmed round.
/// </summary>
public sealed class EventRelayCheckpoint
{
    public required string Name { get; set; }

    public long Position { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
