using System.Net;

namespace Approvals.Domain.Tests;

/// <summary>Which addresses a webhook may not go to: every range that is not on the public internet, in every spelling.</summary>
public class WebhookTargetRulesTests
{
    public static TheoryData<string, string> Forbidden() => new()
    {
        { "127.0.0.1", "loopback" },
        { "127.255.255.254", "loopback" },
        { "::1", "loopback" },
        { "::ffff:127.0.0.1", "loopback" },
        { "10.0.0.1", "private (RFC 1918)" },
        { "10.255.255.255", "private (RFC 1918)" },
        { "172.16.0.1", "private (RFC 1918)" },
        { "172.31.255.255", "private (RFC 1918)" },
        { "192.168.1.10", "private (RFC 1918)" },
        { "::ffff:10.1.2.3", "private (RFC 1918)" },
        { "::ffff:192.168.0.1", "private (RFC 1918)" },
        { "169.254.0.1", "link-local" },
        { "fe80::1", "link-local" },
        { "fe80::1%2", "link-local" },
        { "febf:ffff::1", "link-local" },
        { "::ffff:169.254.10.10", "link-local" },
        { "169.254.169.254", "cloud metadata" },
        { "::ffff:169.254.169.254", "cloud metadata" },
        { "::ffff:a9fe:a9fe", "cloud metadata" },
        { "64:ff9b::a9fe:a9fe", "cloud metadata" },
        { "2002:a9fe:a9fe::1", "cloud metadata" },
        { "fd00:ec2::254", "cloud metadata" },
        { "fc00::1", "unique-local" },
        { "fd12:3456:789a::1", "unique-local" },
        { "fd00:ec2::253", "unique-local" },
        { "100.64.0.1", "shared address space (carrier-grade NAT)" },
        { "100.127.255.254", "shared address space (carrier-grade NAT)" },
        { "100.100.100.200", "shared address space (carrier-grade NAT)" },
        { "::ffff:100.64.0.1", "shared address space (carrier-grade NAT)" },
        { "0.0.0.0", "unspecified" },
        { "0.1.2.3", "unspecified" },
        { "::", "unspecified" },
        { "::ffff:0.0.0.0", "unspecified" },
        { "224.0.0.1", "multicast" },
        { "239.255.255.250", "multicast" },
        { "ff02::1", "multicast" },
        { "ff05::1:3", "multicast" },
        { "255.255.255.255", "reserved" },
        { "240.0.0.1", "reserved" },
        { "192.0.2.1", "documentation" },
        { "2001:db8::1", "documentation" },
        { "198.18.0.1", "benchmarking" },
        { "fec0::1", "site-local (deprecated)" },
        { "::7f00:1", "IPv4-compatible (deprecated)" },
        { "64:ff9b::7f00:1", "loopback" },
        { "64:ff9b::a00:1", "private (RFC 1918)" },
        { "64:ff9b:1::1", "local-use NAT64" },
        { "2002:7f00:1::1", "loopback" },
        { "2001::1", "IETF protocol assignments" },
        { "100::1", "discard-only" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Addresses_that_are_not_public_are_refused_with_their_range(string address, string range) =>
        Assert.Equal(range, WebhookTargetRules.ForbiddenRange(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("169.253.255.255")]
    [InlineData("11.0.0.1")]
    [InlineData("223.255.255.254")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.Null(WebhookTargetRules.ForbiddenRange(IPAddress.Parse(address)));

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("localhost.")]
    [InlineData("api.localhost")]
    [InlineData("a.b.localhost.")]
    public void Localhost_and_every_name_under_it_are_loopback_without_resolving(string host) =>
        Assert.Equal("loopback", WebhookTargetRules.ForbiddenHostName(host));

    [Theory]
    [InlineData("example.com")]
    [InlineData("localhost.example.com")]
    [InlineData("mylocalhost")]
    [InlineData("localhostx")]
    public void Other_names_are_judged_by_their_addresses(string host) =>
        Assert.Null(WebhookTargetRules.ForbiddenHostName(host));
}
