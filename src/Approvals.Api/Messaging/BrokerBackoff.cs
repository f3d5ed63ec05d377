using RabbitMQ.Client.Exceptions;

namespace Approvals.Api.Messaging;

/// <summary>Exponential backoff with jitter between attempts to reach the broker, from 100 ms up to a maximum.</summary>
public sealed class BrokerBackoff
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private readonly TimeSpan _max;
    private TimeSpan _current;

    private BrokerBackoff(TimeSpan max)
    {
        _max = max;
        _current = Initial;
    }

    public static BrokerBackoff Start(TimeSpan max) => new(max);

    public TimeSpan Next()
    {
        var delay = _current * (0.75 + (Random.Shared.NextDouble() / 2));
        _current = TimeSpan.FromTicks(Math.Min(_max.Ticks, _current.Ticks * 2));
        return delay;
    }

    public void Reset() => _current = Initial;

    /// <summary>Whether <paramref name="exception"/> means the broker is unreachable, refused a message, or did not confirm in time (not our own shutdown).</summary>
    public static bool IsBrokerFailure(Exception exception, CancellationToken stoppingToken) => exception switch
    {
        OperationCanceledException => !stoppingToken.IsCancellationRequested,
        RabbitMQClientException or OperationInterruptedException or AlreadyClosedException or BrokerUnreachableException
            or PublishException or System.IO.IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(e => IsBrokerFailure(e, stoppingToken)),
        _ => false,
    };
}
