using System.Text.Json;

namespace Approvals.Api.Persistence.Data;

/// <summary>
/// One stored approval event: the append-only outbox every change writes in its own transaction, the source of an
/// approval's history and of the public event feed. A trigger refuses UPDATE, DELETE and TRUNCATE. The table also has
/// a <c>transaction_id</c> column (xid8, the writing transaction's id) that the feed orders by; EF Core does not map it.
/// </summary>
public sealed class ApprovalEventRecord
{
    /// <summary>Global insertion order; the history entry's <c>id</c> (migrated history rows keep theirs).</summary>
    public long Position { get; set; }

    /// <summary>UUIDv7; the CloudEvents <c>id</c>.</summary>
    public Guid Id { get; set; }

    public Guid ApprovalId { get; set; }

    /// <summary>1, 2, 3, … per approval, without gaps: the approval's version after the event.</summary>
    public int Sequence { get; set; }

    /// <summary>The wire name, such as <c>approval.decided</c> (<see cref="Domain.ApprovalEventTypes"/>).</summary>
    public required string Type { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public required string Actor { get; set; }

    public string? CorrelationId { get; set; }

    /// <summary><c>{"statusBefore", "statusAfter", "changes": {"field": {"old", "new"}}, …}</c> (docs/events.md).</summary>
    public required JsonDocument Data { get; set; }
}
