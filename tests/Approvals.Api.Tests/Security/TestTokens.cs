using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Api.Tests.Security;

/// <summary>Hand-minted tokens, for the cases the token endpoint never produces: expired, foreign keys, wrong audiences.</summary>
public static class TestTokens
{
    private static readonly JsonWebTokenHandler Handler = new();

    public static string Mint(
        DateTimeOffset now,
        string? subject = "hand-minted",
        string[]? roles = null,
        string signingKey = SecurityApiFactory.SigningKey,
        string issuer = SecurityApiFactory.Issuer,
        string audience = SecurityApiFactory.Audience,
        TimeSpan? lifetime = null,
        TimeSpan? startsIn = null,
        SigningCredentials? credentials = null,
        IReadOnlyDictionary<string, object>? extraClaims = null)
    {
        var claims = new Dictionary<string, object>(extraClaims ?? new Dictionary<string, object>()) { ["roles"] = roles ?? ["admin"] };
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        var notBefore = now + (startsIn ?? TimeSpan.Zero);
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore.UtcDateTime,
            NotBefore = notBefore.UtcDateTime,
            Expires = (notBefore + (lifetime ?? TimeSpan.FromMinutes(5))).UtcDateTime,
            SigningCredentials = credentials ?? new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
            Claims = claims,
        });
    }

    public static string PayloadJson(string token) => Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(token.Split('.')[1]));

    /// <summary>The token with its payload replaced, keeping the original header and signature.</summary>
    public static string WithPayload(string token, Func<string, string> rewritePayloadJson)
    {
        var parts = token.Split('.');
        parts[1] = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(rewritePayloadJson(PayloadJson(token))));
        return string.Join('.', parts);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with the given payload.</summary>
    public static string Unsigned(string payloadJson) =>
        $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{Base64UrlEncoder.Encode(payloadJson)}.";
}
