using System.Net;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>
/// Serves the API over real Kestrel on a loopback port instead of the in-memory test server, for the behaviour
/// that only a real server has (the request body size limit on chunked bodies, real HTTP framing).
/// </summary>
public sealed class KestrelApiFactory : ApprovalsApiFactory
{
    public KestrelApiFactory() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
}
