using Approvals.Testing;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>Hosts the API on a PostgreSQL cluster of its own, which a test may stop and start; removed afterwards.</summary>
public sealed class DedicatedPostgresApiFactory : ApprovalsApiFactory
{
    protected override Task<PostgresServer> AcquirePostgresAsync() => PostgresServer.StartDedicatedAsync();

    protected override void ReleasePostgres() => Postgres.Dispose();
}
