using Approvals.Api.Persistence.Data;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Api.Auth;

/// <summary>Issues short-lived access tokens for local accounts, signed with <see cref="LocalSigningKey"/>.</summary>
public sealed class LocalTokenIssuer(IOptions<JwtOptions> options, LocalSigningKey signingKey, TimeProvider clock)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public (string AccessToken, DateTimeOffset ExpiresAt) Issue(User user)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var expiresAt = now.AddMinutes(settings.TokenLifetimeMinutes);
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.EffectiveLocalIssuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(signingKey.Key, LocalSigningKey.Algorithm),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = user.Id.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
                ["name"] = user.Username,
                [settings.RoleClaim] = user.Roles,
            },
        });

        // The token's exp has whole seconds; report exactly what the token says.
        return (token, DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()));
    }
}
