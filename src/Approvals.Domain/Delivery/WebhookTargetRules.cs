using System.Net;
using System.Net.Sockets;

namespace Approvals.Domain;

/// <summary>
/// Where a webhook may not go (server-side request forgery): addresses that are not on the public internet, where a
/// service rule's URL would let whoever configures rules reach the service's own machine, its network or its cloud
/// provider's metadata endpoint. Every special-purpose range of the IANA registries that is not globally reachable
/// (RFC 6890 and its updates) is refused, and an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4)
/// is judged by the IPv4 address. A host name is judged by every address it resolves to; <c>localhost</c> and names
/// under it (RFC 6761) need no resolving.
/// </summary>
public static class WebhookTargetRules
{
    private static readonly (IPNetwork Network, string Name)[] IPv4Ranges =
    [
        (IPNetwork.Parse("169.254.169.254/32"), "cloud metadata"),
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private (RFC 1918)"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared address space (carrier-grade NAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private (RFC 1918)"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay anycast"),
        (IPNetwork.Parse("192.168.0.0/16"), "private (RFC 1918)"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
    ];

    private static readonly (IPNetwork Network, string Name)[] IPv6Ranges =
    [
        (IPNetwork.Parse("fd00:ec2::254/128"), "cloud metadata"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/96"), "IPv4-compatible (deprecated)"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use NAT64"),
        (IPNetwork.Parse("100::/64"), "discard-only"),
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local (deprecated)"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>What kind of non-public address <paramref name="address"/> is, or null when a webhook may be sent there.</summary>
    public static string? ForbiddenRange(IPAddress address)
    {
        switch (address.AddressFamily)
        {
            case AddressFamily.InterNetwork:
                return NameOf(address, IPv4Ranges);
            case AddressFamily.InterNetworkV6 when address.IsIPv4MappedToIPv6:
                return ForbiddenRange(address.MapToIPv4());
            case AddressFamily.InterNetworkV6:
                var bytes = address.GetAddressBytes();
                if (Nat64.Contains(address))
                {
                    return ForbiddenRange(new IPAddress(bytes.AsSpan(12, 4)));
                }

                if (SixToFour.Contains(address))
                {
                    return ForbiddenRange(new IPAddress(bytes.AsSpan(2, 4)));
                }

                return NameOf(new IPAddress(bytes), IPv6Ranges); // without a scope id, which IPNetwork.Contains refuses
            default:
                return "not an IP address";
        }
    }

    /// <summary>
    /// What a host name is known to be without resolving it: <c>localhost</c> and every name under it always mean the
    /// machine itself (RFC 6761, section 6.3). Null for every other name.
    /// </summary>
    public static string? ForbiddenHostName(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? "loopback"
            : null;
    }

    private static string? NameOf(IPAddress address, (IPNetwork Network, string Name)[] ranges)
    {
        foreach (var (network, name) in ranges)
        {
            if (network.Contains(address))
            {
                return name;
            }
        }

        return null;
    }
}
