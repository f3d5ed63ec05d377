using Approvals.Api.Outbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Messaging;

/// <summary>
/// The broker in <c>/readyz</c>. Unreachable is Degraded, not Unhealthy: the API keeps taking requests while the
/// broker is away (the relay catches up when it returns), so a load balancer must not take it out of service for it;
/// the answer still says so (<c>{"status":"Degraded","checks":{"broker":…}}</c>).
/// </summary>
public sealed class BrokerHealthCheck(RabbitMqConnection connection, IOptions<MessagingOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(options.Value.Transport != MessagingTransport.RabbitMq
            ? HealthCheckResult.Healthy("Transport postgres: no broker in use.")
            : connection.IsOpen
                ? HealthCheckResult.Healthy("RabbitMQ connected.")
                : HealthCheckResult.Degraded(connection.WasOpened
                    ? "RabbitMQ unreachable; reconnecting. Events and deliveries wait in PostgreSQL until it is back."
                    : "RabbitMQ not reached yet; retrying. Events and deliveries wait in PostgreSQL until it is."));
}
