using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Approvals.Api.Tests.Web;

/// <summary>Self-signed certificates written as PEM files (certificate, then private key) in a folder of their own.</summary>
public sealed class KeyRingCertificates : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-key-ring-").FullName;

    /// <summary>An RSA certificate with its private key.</summary>
    public string Rsa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Write(name, request, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>An ECDSA certificate with its private key: a key the key ring's RSA encryption cannot use.</summary>
    public string Ecdsa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        return Write(name, request, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>An RSA certificate without its private key.</summary>
    public string RsaWithoutKey(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Write(name, request, privateKeyPem: "");
    }

    public string Missing(string name) => Path.Combine(_folder, name + ".pem");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, CertificateRequest request, string privateKeyPem)
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        var path = Path.Combine(_folder, name + ".pem");
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n" + privateKeyPem);
        return path;
    }
}
