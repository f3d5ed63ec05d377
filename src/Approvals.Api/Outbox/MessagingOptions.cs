using System.ComponentModel.DataAnnotations;

namespace Approvals.Api.Outbox;

/// <summary>How approval events and deliveries travel between processes.</summary>
public enum MessagingTransport
{
    /// <summary>PostgreSQL only: the outbox table and its dispatchers (the default; nothing else to install).</summary>
    Postgres,

    /// <summary>
    /// RabbitMQ: a relay publishes every committed event to the <c>approvals.events</c> exchange and each delivery to
    /// a quorum queue that workers consume; PostgreSQL keeps the approvals, the events and the jobs' outcomes.
    /// </summary>
    RabbitMq,
}

/// <summary>Settings of the transport (section <c>Messaging</c>); validated on start.</summary>
public sealed class MessagingOptions : IValidatableObject
{
    public const string Section = "Messaging";

    public MessagingTransport Transport { get; set; } = MessagingTransport.Postgres;

    public RabbitMqOptions RabbitMQ { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Transport != MessagingTransport.RabbitMq)
        {
            yield break;
        }

        if (!Uri.TryCreate(RabbitMQ.Uri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            yield return new ValidationResult(
                "Messaging:Transport is rabbitmq, so Messaging:RabbitMQ:Uri must be an amqp:// or amqps:// URI.", ["RabbitMQ.Uri"]);
        }

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(RabbitMQ, new ValidationContext(RabbitMQ), results, validateAllProperties: true);
        foreach (var result in results)
        {
            yield return new ValidationResult($"Messaging:RabbitMQ: {result.ErrorMessage}", [.. result.MemberNames.Select(m => "RabbitMQ." + m)]);
        }
    }
}

/// <summary>Settings of the RabbitMQ transport (section <c>Messaging:RabbitMQ</c>).</summary>
public sealed class RabbitMqOptions
{
    /// <summary>The broker, e.g. <c>amqp://user:password@rabbit.example:5672/approvals</c> (the path is the virtual host).</summary>
    public string? Uri { get; set; }

    /// <summary>Deliveries one worker holds unacknowledged at a time (the channel's prefetch): its concurrency.</summary>
    [Range(1, 1000)]
    public int Prefetch { get; set; } = 64;

    /// <summary>
    /// How often the broker hands one delivery message to workers that crash or fail on it before it dead-letters
    /// it (quorum queue <c>x-delivery-limit</c>); its job then fails with <c>delivery.poisoned</c>. Part of the
    /// queue's declaration: every process of one broker must use the same value.
    /// </summary>
    [Range(1, 100)]
    public int DeliveryLimit { get; set; } = 5;

    /// <summary>The most events the relay publishes (and confirms) per round.</summary>
    [Range(1, 10_000)]
    public int RelayBatchSize { get; set; } = 500;

    /// <summary>
    /// The longest the relay waits for a commit's signal before it looks for events anyway (events of other
    /// processes whose notification was lost, or events held back behind an open transaction).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RelayPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a relay or worker waits between attempts to reach an unavailable broker.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);
}
