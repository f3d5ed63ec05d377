using Approvals.Api.Outbox;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Approvals.Api.Messaging;

/// <summary>
/// This process's one connection to the broker, opened on first use (the topology declared with it) and then kept:
/// the client recovers it, its channels and their consumers by itself after the broker or the network comes back.
/// Until the first connection succeeds, each use tries again (callers back off).
/// </summary>
public sealed partial class RabbitMqConnection(IOptions<MessagingOptions> options, ILogger<RabbitMqConnection> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _opening = new(1, 1);
    private IConnection? _connection;

    /// <summary>Whether the broker is reachable right now (for /readyz).</summary>
    public bool IsOpen => _connection is { IsOpen: true };

    /// <summary>Whether a connection was ever opened (before that, the broker has not been seen at all).</summary>
    public bool WasOpened => _connection is not null;

    public async Task<IConnection> GetAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } open)
        {
            return open;
        }

        await _opening.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { } opened)
            {
                return opened;
            }

            var settings = options.Value.RabbitMQ;
            var factory = new ConnectionFactory
            {
                Uri = new Uri(settings.Uri!),
                AutomaticRecoveryEnabled = true,
                TopologyRecoveryEnabled = true,
                NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
                RequestedHeartbeat = TimeSpan.FromSeconds(15),
                ClientProvidedName = $"approvals {Environment.MachineName}:{Environment.ProcessId}",
            };
            var connection = await factory.CreateConnectionAsync(cancellationToken);
            try
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                await RabbitMqTopology.DeclareAsync(channel, settings, cancellationToken);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }

            connection.ConnectionShutdownAsync += (_, reason) =>
            {
                LogConnectionLost(logger, reason.ReplyText);
                return Task.CompletedTask;
            };
            connection.RecoverySucceededAsync += (_, _) =>
            {
                LogConnectionRecovered(logger);
                return Task.CompletedTask;
            };
            LogConnected(logger, factory.Endpoint.ToString());
            _connection = connection;
            return connection;
        }
        finally
        {
            _opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
        }

        _opening.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Endpoint}; topology declared")]
    private static partial void LogConnected(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ connection lost ({Reason}); recovering")]
    private static partial void LogConnectionLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ connection recovered")]
    private static partial void LogConnectionRecovered(ILogger logger);
}
