using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Approvals.Api.Persistence;

/// <summary>Ready means PostgreSQL answers a query within the check's time.</summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return HealthCheckResult.Unhealthy("The database is unreachable.");
        }
    }
}
