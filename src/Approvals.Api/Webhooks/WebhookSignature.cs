using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Approvals.Api.Webhooks;

/// <summary>
/// Standard Webhooks signing: <c>v1,</c> + base64 HMAC-SHA256 over <c>{webhook-id}.{webhook-timestamp}.{body}</c>,
/// keyed with the base64 part of a <c>whsec_</c> secret.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    public static string Sign(string secret, string webhookId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), signed));
    }

    /// <summary>The value of the <c>webhook-signature</c> header: one signature per secret, space-separated.</summary>
    public static string Header(IEnumerable<string?> secrets, string webhookId, long timestamp, ReadOnlySpan<byte> body)
    {
        var signatures = new List<string>();
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                signatures.Add(Sign(secret, webhookId, timestamp, body));
            }
        }

        return string.Join(' ', signatures);
    }

    private static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
}
