using System.Net;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Events;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Security;
using Approvals.Api.Web;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Web;

/// <summary>An instance whose cookies' key ring is encrypted with a certificate (<c>Web:KeyRing:Certificate</c>).</summary>
public sealed class KeyRingApiFactory : SecurityApiFactory
{
    public KeyRingCertificates Certificates { get; } = new();

    public string Certificate { get; }

    public KeyRingApiFactory() => Certificate = Certificates.Rsa("key-ring-2026");

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [.. base.ExtraSettings, new($"{KeyRingOptions.Section}:{nameof(KeyRingOptions.Certificate)}", Certificate)];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Certificates.Dispose();
    }
}

/// <summary>
/// With a certificate configured, the keys of the session, antiforgery and notice cookies are stored encrypted, so
/// reading <c>data_protection_keys</c> is not enough to forge a session: only an instance with the certificate (as the
/// current one or, after a rotation, a previous one) reads the cookies.
/// </summary>
public class KeyRingEncryptionTests(KeyRingApiFactory factory) : ApiTestBase<KeyRingApiFactory>(factory)
{
    private const string CertificateSetting = $"{KeyRingOptions.Section}:{nameof(KeyRingOptions.Certificate)}";
    private const string PreviousSetting = $"{KeyRingOptions.Section}:{nameof(KeyRingOptions.PreviousCertificates)}:0";

    [Fact]
    public async Task Keys_are_stored_encrypted_and_only_an_instance_with_the_certificate_reads_the_session()
    {
        await Factory.UserAsync("ines", Roles.Requester);
        var cookies = new CookieContainer();
        using var first = Browser(Factory, cookies);
        await WebForms.SignInAsync(first, "ines");
        Assert.Equal(HttpStatusCode.OK, (await PageAsync(first)).Status);

        await using (var db = Factory.CreateDbContext())
        {
            var keys = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();
            Assert.NotEmpty(keys);
            Assert.All(keys, xml =>
            {
                Assert.Contains("<EncryptedData", xml, StringComparison.Ordinal);
                Assert.Contains("EncryptedXmlDecryptor", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal); // the secret itself, in the clear
            });
        }

        // After a rotation: a new certificate encrypts, the old one still decrypts the keys it encrypted.
        await using (var rotated = new SecondApiHost(Factory.ConnectionString, Factory.Clock,
            new(CertificateSetting, Factory.Certificates.Rsa("key-ring-2027")), new(PreviousSetting, Factory.Certificate)))
        {
            using var second = Browser(rotated, cookies);
            var (status, page) = await PageAsync(second);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("Signed in as <strong>ines</strong>", page, StringComparison.Ordinal);
        }

        // Without the certificate the stored keys are of no use: the session is not read, the page asks to sign in.
        await using (var without = new SecondApiHost(Factory.ConnectionString, Factory.Clock))
        {
            using var third = Browser(without, cookies);
            var (status, _) = await PageAsync(third);
            Assert.Equal(HttpStatusCode.Redirect, status);
        }
    }

    /// <summary>A browser on <paramref name="host"/> that keeps its cookies in <paramref name="cookies"/>, over https (the cookies are Secure), following no redirect.</summary>
    private static HttpClient Browser<T>(WebApplicationFactory<T> host, CookieContainer cookies)
        where T : class =>
        host.CreateDefaultClient(new Uri("https://localhost"), new CookieContainerHandler(cookies));

    private static async Task<(HttpStatusCode Status, string Page)> PageAsync(HttpClient browser)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/mine");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await browser.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A key ring setting that names no usable certificate stops the service at start, with the setting named.</summary>
public sealed class KeyRingSettingsTests : IDisposable
{
    private const string CertificateSetting = $"{KeyRingOptions.Section}:{nameof(KeyRingOptions.Certificate)}";
    private const string PreviousSetting = $"{KeyRingOptions.Section}:{nameof(KeyRingOptions.PreviousCertificates)}:0";

    private readonly KeyRingCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Theory]
    [InlineData("missing", "is no readable PEM file with a certificate and its private key")]
    [InlineData("public-only", "is no readable PEM file with a certificate and its private key")]
    [InlineData("elliptic", "holds no RSA private key")]
    public async Task A_file_without_a_usable_certificate_stops_the_start(string file, string reason)
    {
        var path = file switch
        {
            "missing" => _certificates.Missing(file),
            "public-only" => _certificates.RsaWithoutKey(file),
            _ => _certificates.Ecdsa(file),
        };
        var failure = await ServiceStart.ValidationFailureAsync((CertificateSetting, path));
        Assert.Contains($"{CertificateSetting}: '{path}' {reason}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_previous_certificate_stops_the_start()
    {
        var failure = await ServiceStart.ValidationFailureAsync(
            (CertificateSetting, _certificates.Rsa("current")), (PreviousSetting, _certificates.RsaWithoutKey("old")));
        Assert.Contains(PreviousSetting, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Previous_certificates_without_a_current_one_stop_the_start()
    {
        var failure = await ServiceStart.ValidationFailureAsync((PreviousSetting, _certificates.Rsa("old")));
        Assert.Contains("stored unencrypted", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Good_certificates_start_the_service()
    {
        Assert.Null(await ServiceStart.FailureAsync((CertificateSetting, _certificates.Rsa("current")), (PreviousSetting, _certificates.Rsa("old"))));
    }
}
