using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Security;

/// <summary>The service as deployed: <c>Delivery:AllowPrivateNetworks</c> off (the default; the other tests turn it on).</summary>
public sealed class PrivateNetworksRefusedApiFactory : ApprovalsApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Delivery:AllowPrivateNetworks", "false")];
}

/// <summary>
/// Server-side request forgery: a service rule's URL whose host is, or resolves to, an address that is not public is
/// refused when the rule is saved (422 <c>service_rule.url_forbidden</c>, nothing changed), unless
/// <c>Delivery:AllowPrivateNetworks</c> is on. The send-time check is in Delivery/WebhookTargetDeliveryTests.
/// </summary>
public class WebhookTargetGuardTests(PrivateNetworksRefusedApiFactory factory) : ApiTestBase<PrivateNetworksRefusedApiFactory>(factory)
{
    /// <summary>Every refused range, in the spellings a URL can carry: names, IP literals, IPv4-mapped and NAT64 IPv6.</summary>
    public static TheoryData<string, string> ForbiddenUrls() => new()
    {
        { "http://localhost:8001/approval", "loopback" },
        { "http://LOCALHOST./approval", "loopback" },
        { "https://api.localhost/approval", "loopback" },
        { "http://127.0.0.1:8001/approval", "loopback" },
        { "http://127.1/approval", "loopback" },
        { "http://2130706433/approval", "loopback" },
        { "http://0x7f.0.0.1/approval", "loopback" },
        { "http://[::1]:8001/approval", "loopback" },
        { "http://[::ffff:127.0.0.1]/approval", "loopback" },
        { "http://[64:ff9b::7f00:1]/approval", "loopback" },
        { "http://10.0.0.5/approval", "private (RFC 1918)" },
        { "http://172.16.3.4/approval", "private (RFC 1918)" },
        { "http://172.31.255.254/approval", "private (RFC 1918)" },
        { "https://192.168.1.1/approval", "private (RFC 1918)" },
        { "http://[::ffff:10.0.0.5]/approval", "private (RFC 1918)" },
        { "http://169.254.1.1/approval", "link-local" },
        { "http://[fe80::1]/approval", "link-local" },
        { "http://169.254.169.254/latest/meta-data/", "cloud metadata" },
        { "http://[::ffff:169.254.169.254]/latest/meta-data/", "cloud metadata" },
        { "http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata" },
        { "http://[fc00::1]/approval", "unique-local" },
        { "http://[fd12:3456:789a::1]/approval", "unique-local" },
        { "http://100.64.0.1/approval", "shared address space (carrier-grade NAT)" },
        { "http://100.100.100.200/latest/meta-data/", "shared address space (carrier-grade NAT)" },
        { "http://0.0.0.0:8001/approval", "unspecified" },
        { "http://[::]/approval", "unspecified" },
        { "http://224.0.0.1/approval", "multicast" },
        { "http://[ff02::1]/approval", "multicast" },
        { "http://255.255.255.255/approval", "reserved" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenUrls))]
    public async Task A_rule_whose_url_is_not_public_is_refused_and_nothing_changes(string url, string range)
    {
        var before = await SnapshotAsync();

        var response = await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = $"ssrf-{Guid.NewGuid():N}", url, apiKey = "downstream-key" });

        var problem = await AssertProblemAsync(response, 422, ErrorCodes.ServiceRuleUrlForbidden);
        Assert.Contains($"({range})", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Contains(url.Contains("localhost", StringComparison.OrdinalIgnoreCase) ? "name" : "address", (string?)problem["errors"]!["url"]![0], StringComparison.Ordinal);
        before.AssertUnchanged(await SnapshotAsync(), $"a rule at {url}");
    }

    [Fact]
    public async Task Replacing_a_rule_with_a_url_that_is_not_public_is_refused_and_nothing_changes()
    {
        var id = await CreateAsync("https://93.184.215.14/approval");
        var before = await SnapshotAsync();

        var response = await Client.PutAsJsonAsync($"/api/v1/service-rules/{id}", new { name = "moved", url = "http://169.254.169.254/latest/meta-data/" });

        await AssertProblemAsync(response, 422, ErrorCodes.ServiceRuleUrlForbidden);
        before.AssertUnchanged(await SnapshotAsync(), "a replaced rule pointing at the metadata address");
    }

    [Fact]
    public async Task A_rule_saved_before_the_check_can_still_be_edited_and_disabled_without_moving_its_url()
    {
        // Written as the service stored rules before the check existed (or with the setting on).
        var id = await Factory.AddServiceRuleAsync("legacy-private", url: "http://10.1.2.3/approval");

        var response = await Client.PutAsJsonAsync($"/api/v1/service-rules/{id}", new { name = "legacy-private", url = "http://10.1.2.3/approval", enabled = false });

        await AssertStatusAsync(response, HttpStatusCode.OK);
        await using var db = Factory.CreateDbContext();
        Assert.False(await db.ServiceRules.Where(r => r.Id == id).Select(r => r.Enabled).SingleAsync());
    }

    [Theory]
    [InlineData("https://93.184.215.14/approval")]
    [InlineData("http://[2606:4700:4700::1111]:8080/approval")]
    [InlineData("https://[::ffff:8.8.8.8]/approval")]
    // A name that does not resolve now passes (DNS may be set up later); every delivery checks it when it connects.
    [InlineData("https://downstream.invalid/approval")]
    public async Task Public_addresses_and_names_that_do_not_resolve_yet_are_accepted(string url) =>
        await CreateAsync(url);

    private async Task<int> CreateAsync(string url)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = $"public-{Guid.NewGuid():N}", url, apiKey = "downstream-key" });
        await AssertStatusAsync(response, HttpStatusCode.Created);
        return (int)(await ReadObjectAsync(response))["serviceRule"]!["id"]!;
    }
}

/// <summary>With <c>Delivery:AllowPrivateNetworks</c> on (as the demo and the tests run), loopback and private URLs are saved.</summary>
public class WebhookTargetAllowedTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Theory]
    [InlineData("http://localhost:8001/approval")]
    [InlineData("http://127.0.0.1:8001/approval")]
    [InlineData("http://10.0.0.5/approval")]
    [InlineData("http://[fd00:ec2::254]/approval")]
    public async Task Private_urls_are_saved_when_private_networks_are_allowed(string url)
    {
        var response = await Client.PostAsJsonAsync("/api/v1/service-rules", new { name = $"private-{Guid.NewGuid():N}", url, apiKey = "downstream-key" });

        await AssertStatusAsync(response, HttpStatusCode.Created);
        Assert.Equal(url, (string?)(await ReadObjectAsync(response))["serviceRule"]!["url"]);
    }
}
