using System.Security.Claims;
using System.Text;
using Approvals.Api.Auth;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Api.Tests.Security;

/// <summary>
/// The bearer scheme remembers the tokens it found valid (<see cref="RememberingTokenHandler"/>), with the service's own
/// validation parameters: a remembered token still has its lifetime checked, is forgotten when the keys change, and
/// every request gets claims of its own. End to end, BearerTokenTests and UserApiTests check the same through HTTP
/// (expiry, tampering, a disabled person refused at once).
/// </summary>
public class RememberingTokenHandlerTests(SecurityApiFactory factory) : ApiTestBase<SecurityApiFactory>(factory)
{
    [Fact]
    public void The_scheme_validates_with_the_remembering_handler_alone()
    {
        var options = Factory.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

        Assert.IsType<RememberingTokenHandler>(Assert.Single(options.TokenHandlers));
    }

    [Fact]
    public async Task A_token_validated_twice_is_remembered_and_each_validation_gets_claims_of_its_own()
    {
        var (handler, parameters) = Fresh();
        var token = TestTokens.Mint(Factory.Clock.GetUtcNow(), subject: "remembered", roles: ["approver"]);

        var first = await handler.ValidateTokenAsync(token, parameters);
        first.ClaimsIdentity.AddClaim(new Claim("approvals:username", "changed by the scheme"));
        var second = await handler.ValidateTokenAsync(token, parameters);

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, handler.Count);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Null(second.ClaimsIdentity.FindFirst("approvals:username"));
        Assert.Equal("remembered", second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal("approver", second.ClaimsIdentity.FindFirst("roles")?.Value);
        Assert.Same(first.SecurityToken, second.SecurityToken);
    }

    [Fact]
    public async Task A_remembered_token_past_its_lifetime_is_refused_and_forgotten()
    {
        var (handler, parameters) = Fresh();
        var token = TestTokens.Mint(Factory.Clock.GetUtcNow(), lifetime: TimeSpan.FromMinutes(1));
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        Factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var late = await handler.ValidateTokenAsync(token, parameters);

        Assert.False(late.IsValid);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task A_remembered_token_is_validated_in_full_once_the_signing_key_changes()
    {
        var (handler, parameters) = Fresh();
        var token = TestTokens.Mint(Factory.Clock.GetUtcNow());
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        var rotated = parameters.Clone();
        rotated.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-signing-key-0123456789abcdef-0123456789"));
        var afterRotation = await handler.ValidateTokenAsync(token, rotated);

        Assert.False(afterRotation.IsValid);
        Assert.IsAssignableFrom<SecurityTokenSignatureKeyNotFoundException>(afterRotation.Exception);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task A_token_that_differs_from_a_remembered_one_in_its_payload_is_refused_and_not_remembered()
    {
        var (handler, parameters) = Fresh();
        var token = TestTokens.Mint(Factory.Clock.GetUtcNow(), subject: "honest");
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        var tampered = TestTokens.WithPayload(token, payload => payload.Replace("honest", "sneaky", StringComparison.Ordinal));
        var result = await handler.ValidateTokenAsync(tampered, parameters);

        Assert.False(result.IsValid);
        Assert.Equal(1, handler.Count);
    }

    /// <summary>A handler of its own with the scheme's validation parameters (the service's issuer, audience, key and clock).</summary>
    private (RememberingTokenHandler Handler, TokenValidationParameters Parameters) Fresh()
    {
        var options = Factory.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        return (new RememberingTokenHandler(), options.TokenValidationParameters);
    }
}
