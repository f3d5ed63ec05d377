namespace Approvals.Bench;

/// <summary>
/// How the ApprovalService under test moves events and deliveries (its <c>Messaging:Transport</c> setting): the
/// PostgreSQL outbox that its own dispatcher claims, or RabbitMQ with an event relay and worker processes.
/// </summary>
internal enum BenchTransport
{
    Postgres,
    RabbitMq,
}

internal static class BenchTransports
{
    /// <summary>The setting's value and the name in the report: <c>postgres</c> or <c>rabbitmq</c>.</summary>
    public static string Name(this BenchTransport transport) => transport switch
    {
        BenchTransport.Postgres => "postgres",
        BenchTransport.RabbitMq => "rabbitmq",
        _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, null),
    };

    public static IReadOnlyList<BenchTransport> Parse(string value) => value switch
    {
        "postgres" => [BenchTransport.Postgres],
        "rabbitmq" => [BenchTransport.RabbitMq],
        "both" => [BenchTransport.Postgres, BenchTransport.RabbitMq],
        _ => throw new UsageException("--transport takes postgres, rabbitmq or both."),
    };
}
