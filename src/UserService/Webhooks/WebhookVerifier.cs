using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace UserService.Webhooks;

public enum WebhookVerification
{
    Valid,
    MissingHeaders,
    BadTimestamp,
    TimestampOutOfTolerance,
    NoMatchingSignature,
}

/// <summary>
/// Checks a Standard Webhooks delivery: the <c>webhook-timestamp</c> is within <see cref="Tolerance"/> of now and
/// one of the <c>v1,</c> signatures in <c>webhook-signature</c> (space-separated; a sender rotating its secret sends
/// two) is the HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>. Signatures are compared in constant time.
/// </summary>
public static class WebhookVerifier
{
    public const string SecretPrefix = "whsec_";

    public static TimeSpan Tolerance { get; } = TimeSpan.FromMinutes(5);

    public static WebhookVerification Verify(
        byte[] key, string? webhookId, string? timestamp, string? signatures, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return WebhookVerification.MissingHeaders;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return WebhookVerification.BadTimestamp;
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (sentAt < now - Tolerance || sentAt > now + Tolerance)
        {
            return WebhookVerification.TimestampOutOfTolerance;
        }

        var expected = Compute(key, webhookId, timestamp, body);
        var matched = false;
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!candidate.StartsWith("v1,", StringComparison.Ordinal))
            {
                continue;
            }

            var presented = new byte[expected.Length];
            if (Convert.TryFromBase64String(candidate[3..], presented, out var written) && written == expected.Length)
            {
                // No early exit: the time taken does not tell which candidate matched.
                matched |= CryptographicOperations.FixedTimeEquals(presented, expected);
            }
        }

        return matched ? WebhookVerification.Valid : WebhookVerification.NoMatchingSignature;
    }

    public static bool TryDecodeSecret(string secret, out byte[] key)
    {
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        key = new byte[encoded.Length];
        if (encoded.Length > 0 && Convert.TryFromBase64String(encoded, key, out var written))
        {
            key = key[..written];
            return true;
        }

        key = [];
        return false;
    }

    private static byte[] Compute(byte[] key, string webhookId, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, signed);
    }
}
