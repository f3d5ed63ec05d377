using Approvals.Api.Tests.Infrastructure;

namespace Approvals.Api.Tests.Security;

/// <summary>Security settings are validated when the service starts, not when the first request trips over them.</summary>
public class StartupValidationTests
{
    public static TheoryData<string, string, string, string> BadSettings() => new()
    {
        { "Auth:Jwt:Authority", "https://idp.example/realms/x", "Auth:Jwt:SigningKey", "not both" },
        { "Auth:Jwt:SigningKey", "too-short", "Auth:Jwt:Audience", "at least 32 bytes" },
        { "Auth:Jwt:Authority", "http://idp.example/realms/x", "Auth:Jwt:Audience", "must use https" },
        { "Auth:Jwt:Authority", "not a url", "Auth:Jwt:Audience", "absolute https URL" },
        { "Auth:Jwt:Audience", " ", "Auth:Jwt:RoleClaim", "Audience is required" },
        { "Auth:Jwt:TokenLifetimeMinutes", "0", "Auth:Jwt:ClockSkewSeconds", "TokenLifetimeMinutes" },
        { "Auth:Jwt:ClockSkewSeconds", "3600", "Auth:Jwt:Audience", "ClockSkewSeconds" },
        { "Auth:Jwt:GroupClaim", " ", "Auth:Jwt:Audience", "GroupClaim is required" },
        { "Auth:UserCacheSeconds", "301", "Auth:Jwt:Audience", "UserCacheSeconds" },
        { "Auth:ApiKeys:2:Name", "short-key", "Auth:ApiKeys:2:Key", "at least 16 characters" },
        { "Auth:ApiKeys:2:Name", "bad name!", "Auth:ApiKeys:2:Scopes:0", "Name must be" },
        { "Auth:ApiKeys:0:Scopes:0", "approvals:everything", "Auth:ApiKeys:1:Scopes:0", "unknown scope" },
        { "Auth:ApiKeys:2:Name", "test", "Auth:ApiKeys:2:Key", "more than once" },
        { "RateLimiting:PermitLimit", "0", "RateLimiting:WindowSeconds", "RateLimiting:PermitLimit" },
        { "Database:MaxPoolSize", "0", "RateLimiting:WindowSeconds", "MaxPoolSize" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Bad_settings_stop_the_service_at_start(string key, string value, string otherKey, string expectedMessage)
    {
        // The second setting completes the first where it needs a partner, and is harmless where it does not.
        var other = otherKey switch
        {
            "Auth:Jwt:SigningKey" => "a-signing-key-that-is-long-enough-0123456789",
            "Auth:Jwt:Audience" => "approvals-api",
            "Auth:Jwt:RoleClaim" => "roles",
            "Auth:Jwt:ClockSkewSeconds" => "30",
            "Auth:ApiKeys:2:Key" => expectedMessage.Contains("16", StringComparison.Ordinal) ? "too-short" : "a-long-enough-key-0123456789",
            "Auth:ApiKeys:2:Scopes:0" => "approvals:read",
            "Auth:ApiKeys:1:Scopes:0" => "approvals:read",
            _ => "10",
        };
        // The two API keys every test host has, so a third can collide with them.
        var validation = await ServiceStart.ValidationFailureAsync(
            ("Delivery:Enabled", "false"),
            ("Auth:ApiKeys:0:Name", "test"), ("Auth:ApiKeys:0:Key", ApprovalsApiFactory.ApiKey),
            ("Auth:ApiKeys:1:Name", "other"), ("Auth:ApiKeys:1:Key", ApprovalsApiFactory.OtherApiKey),
            (key, value), (otherKey, other));

        Assert.Contains(expectedMessage, validation.Message, StringComparison.Ordinal);
    }
}
