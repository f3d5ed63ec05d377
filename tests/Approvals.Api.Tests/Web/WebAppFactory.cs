using System.Net;
using Approvals.Api.Tests.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Web;

/// <summary>
/// The real service over Kestrel on a loopback port, for a real browser: local users (created through the service's
/// own accounts, <see cref="SecurityApiFactory.UserAsync"/>), the delivery off unless a test class turns it on. The
/// browser talks plain HTTP to 127.0.0.1, so the cookies cannot be HTTPS-only here (<c>Web:SecureCookie=false</c>,
/// as ./run.sh sets it); <c>WebSessionTests</c> checks that they are by default.
/// </summary>
public class WebAppFactory : SecurityApiFactory
{
    public WebAppFactory() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [.. base.ExtraSettings, new("Web:SecureCookie", "false")];

    /// <summary>Where the browser finds the service (the server starts on first use).</summary>
    public string BaseUrl
    {
        get
        {
            StartServer();
            return Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        }
    }
}
