namespace UserService.Data;

/// <summary>
/// One approval event received from the approval service's exchange, by its CloudEvents id: a message published
/// again (the relay is at-least-once) adds no row, it only counts.
/// </summary>
public sealed class ReceivedEvent
{
    public Guid EventId { get; set; }

    public Guid ApprovalId { get; set; }

    /// <summary>The per-approval sequence (1, 2, 3, …): the order of the approval's events, whatever order they arrived in.</summary>
    public int Sequence { get; set; }

    public required string Type { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public string? Actor { get; set; }

    /// <summary>The event's <c>data</c> object (the message body), as jsonb.</summary>
    public required string Data { get; set; }

    /// <summary>When the first copy arrived.</summary>
    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>How often a message with this id arrived; above 1 means it was published or handed out again.</summary>
    public int TimesReceived { get; set; }
}
