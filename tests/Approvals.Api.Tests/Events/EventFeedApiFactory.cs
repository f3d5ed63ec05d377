using Approvals.Api.Tests.Infrastructure;
using Approvals.Testing;

namespace Approvals.Api.Tests.Events;

/// <summary>
/// The API on a PostgreSQL cluster of its own. The feed serves only events below the snapshot's xmin, and xmin is
/// cluster-wide: on the shared cluster, another class's open transaction would hold these tests' events back and
/// spoil the latencies they measure.
/// </summary>
public sealed class EventFeedApiFactory : ApprovalsApiFactory
{
    protected override Task<PostgresServer> AcquirePostgresAsync() => PostgresServer.StartDedicatedAsync();

    protected override void ReleasePostgres() => Postgres.Dispose();
}
