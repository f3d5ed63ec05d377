namespace UserService.Data;

/// <summary>The first final status this service received for an approval; later deliveries never change it.</summary>
public sealed class ReceivedApproval
{
    public Guid Id { get; set; }

    /// <summary>The original numbers: 3 approved, 4 rejected, 5 cancelled.</summary>
    public short Status { get; set; }

    public DateTimeOffset FirstReceivedAt { get; set; }

    public List<ReceivedWebhook> Webhooks { get; set; } = [];
}

/// <summary>One accepted delivery, by its <c>webhook-id</c>: a redelivery of the same id adds no row.</summary>
public sealed class ReceivedWebhook
{
    public required string WebhookId { get; set; }

    public Guid ApprovalId { get; set; }

    /// <summary>The status this delivery asked for (it may differ from what was recorded first).</summary>
    public short RequestedStatus { get; set; }

    public DateTimeOffset FirstReceivedAt { get; set; }

    /// <summary>How often this webhook-id arrived; above 1 means the sender retried something already accepted.</summary>
    public int TimesReceived { get; set; }
}
