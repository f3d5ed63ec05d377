using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Web;

/// <summary>
/// The certificates that encrypt the cookies' key ring where it is kept (<c>data_protection_keys</c>), so that reading
/// the database is not enough to forge a session. Each is a PEM file holding the certificate and its RSA private key.
/// </summary>
public sealed class KeyRingOptions
{
    public const string Section = "Web:KeyRing";

    /// <summary>Encrypts every key made from now on, and decrypts them; empty: keys are stored unencrypted.</summary>
    public string? Certificate { get; set; }

    /// <summary>Certificates replaced by <see cref="Certificate"/>: they only decrypt the keys they encrypted.</summary>
    public string[] PreviousCertificates { get; set; } = [];
}

/// <summary>
/// Applies <see cref="KeyRingOptions"/> to Data Protection. The framework takes the certificates when it is set up,
/// not through options, so they are read while the services are registered, and a setting that names no usable
/// certificate stops the start with an <see cref="OptionsValidationException"/> like every other bad setting.
/// </summary>
internal static class KeyRingProtection
{
    public static IDataProtectionBuilder ProtectKeysAsConfigured(this IDataProtectionBuilder dataProtection, IConfiguration configuration)
    {
        var options = configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new();
        var errors = new List<string>();
        var current = string.IsNullOrWhiteSpace(options.Certificate) ? null : Load(options.Certificate, nameof(KeyRingOptions.Certificate), errors);
        var previous = options.PreviousCertificates
            .Select((path, index) => Load(path, $"{nameof(KeyRingOptions.PreviousCertificates)}:{index}", errors))
            .OfType<X509Certificate2>()
            .ToArray();
        if (current is null && options.PreviousCertificates.Length > 0)
        {
            errors.Add($"{KeyRingOptions.Section}:{nameof(KeyRingOptions.PreviousCertificates)} needs {KeyRingOptions.Section}:{nameof(KeyRingOptions.Certificate)}: without it new keys would be stored unencrypted.");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(KeyRingOptions.Section, typeof(KeyRingOptions), errors);
        }

        if (current is not null)
        {
            // Also registers it for decryption; the previous ones decrypt only.
            dataProtection.ProtectKeysWithCertificate(current);
        }

        if (previous.Length > 0)
        {
            dataProtection.UnprotectKeysWithAnyCertificate(previous);
        }

        return dataProtection;
    }

    /// <summary>The certificate with its private key from the PEM file at <paramref name="path"/>, or null with the reason in <paramref name="errors"/>.</summary>
    private static X509Certificate2? Load(string path, string setting, List<string> errors)
    {
        var name = $"{KeyRingOptions.Section}:{setting}";
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(path);
            // Each key is encrypted with a fresh AES key, which the certificate's RSA public key wraps (XML Encryption).
            using var key = certificate.GetRSAPrivateKey();
            if (key is null)
            {
                errors.Add($"{name}: '{path}' holds no RSA private key; the key ring is encrypted with RSA.");
                certificate.Dispose();
                return null;
            }

            return certificate;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            errors.Add($"{name}: '{path}' is no readable PEM file with a certificate and its private key ({exception.Message}).");
            return null;
        }
    }
}
