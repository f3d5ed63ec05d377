using System.Text;
using UserService.Webhooks;

namespace UserService.Tests;

public class WebhookVerifierTests
{
    // The example of the Standard Webhooks reference libraries: secret, id, timestamp, body and the expected signature.
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly byte[] SpecBody = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");
    private static readonly DateTimeOffset SpecTime = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    [Fact]
    public void The_reference_example_verifies()
    {
        Assert.True(WebhookVerifier.TryDecodeSecret(SpecSecret, out var key));
        Assert.Equal(WebhookVerification.Valid, WebhookVerifier.Verify(key, SpecId, "1614265330", SpecSignature, SpecBody, SpecTime));
    }

    [Theory]
    [InlineData(null, "1614265330", SpecSignature, WebhookVerification.MissingHeaders)]
    [InlineData(SpecId, "", SpecSignature, WebhookVerification.MissingHeaders)]
    [InlineData(SpecId, "-5", SpecSignature, WebhookVerification.BadTimestamp)]
    [InlineData(SpecId, "99999999999999999999", SpecSignature, WebhookVerification.BadTimestamp)]
    [InlineData(SpecId, "1614265029", SpecSignature, WebhookVerification.TimestampOutOfTolerance)]
    [InlineData(SpecId, "1614265631", SpecSignature, WebhookVerification.TimestampOutOfTolerance)]
    [InlineData(SpecId, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", WebhookVerification.NoMatchingSignature)]
    [InlineData(SpecId, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", WebhookVerification.NoMatchingSignature)]
    [InlineData(SpecId, "1614265330", "v1,not-base64", WebhookVerification.NoMatchingSignature)]
    [InlineData("msg_other", "1614265330", SpecSignature, WebhookVerification.NoMatchingSignature)]
    public void Anything_else_is_refused(string? id, string timestamp, string signature, WebhookVerification expected)
    {
        WebhookVerifier.TryDecodeSecret(SpecSecret, out var key);
        Assert.Equal(expected, WebhookVerifier.Verify(key, id, timestamp, signature, SpecBody, SpecTime));
    }

    [Fact]
    public void Any_one_of_several_signatures_may_match()
    {
        WebhookVerifier.TryDecodeSecret(SpecSecret, out var key);
        var several = $"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {SpecSignature}";
        Assert.Equal(WebhookVerification.Valid, WebhookVerifier.Verify(key, SpecId, "1614265330", several, SpecBody, SpecTime));
    }

    [Theory]
    [InlineData("whsec_")]
    [InlineData("whsec_***")]
    [InlineData("")]
    public void Unusable_secrets_are_recognised(string secret) =>
        Assert.False(WebhookVerifier.TryDecodeSecret(secret, out _));
}
