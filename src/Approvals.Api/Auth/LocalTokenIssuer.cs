using Approvals.Api.Persistence.Data;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Api.Auth;

/// <summary>
/// Issues short-lived access tokens for local accounts, signed with <see cref="LocalSigningKey"/>. A token issued for
/// a one-time password says so (<see cref="PersonClaims.TokenPasswordChangeRequired"/>), and allows nothing but
/// reading oneself and choosing a new password for its whole life: after the change, people sign in again.
/// </summary>
public sealed class LocalTokenIssuer(IOptions<JwtOptions> options, LocalSigningKey signingKey, TimeProvider clock)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public (string AccessToken, DateTimeOffset ExpiresAt) Issue(User user)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var expiresAt = now.AddMinutes(settings.TokenLifetimeMinutes);
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = user.Subject,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            ["name"] = user.Username,
            [settings.RoleClaim] = user.Roles,
        };
        if (user.PasswordChangeRequired)
        {
            claims[PersonClaims.TokenPasswordChangeRequired] = true;
        }

        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.EffectiveLocalIssuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(signingKey.Key, LocalSigningKey.Algorithm),
            Claims = claims,
        });

        // The token's exp has whole seconds; report exactly what the token says.
        return (token, DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()));
    }
}
