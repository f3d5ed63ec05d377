using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Api.Auth;

/// <summary>
/// The bearer scheme's token handler: <see cref="JsonWebTokenHandler"/>, which remembers the tokens it found valid. A
/// client sends the same token with every request until it expires, and parsing it, checking its signature and
/// building its claims each time cost about 7 % of a vote's CPU (docs/benchmarks.md, issue 18). A remembered token
/// skips only that work:
/// <list type="bullet">
/// <item>its lifetime is checked again on every request, with the validation's own rule;</item>
/// <item>it is forgotten once the signing keys it was checked against change (a new key, or the provider's JWKS
/// refreshed);</item>
/// <item>each request gets a copy of its claims, which the scheme then changes (<see cref="JwtBearerSetup"/>
/// resolves the person on every request, so disabling someone still takes effect as before).</item>
/// </list>
/// Only the exact token string is remembered: a token that differs in any byte is validated in full.
/// </summary>
internal sealed class RememberingTokenHandler : TokenHandler
{
    /// <summary>At most this many tokens are remembered; when full, the expired ones go, or, with none expired, all.</summary>
    public const int Capacity = 10_000;

    private readonly JsonWebTokenHandler _inner = new() { MapInboundClaims = false };
    private readonly ConcurrentDictionary<string, Remembered> _valid = new(StringComparer.Ordinal);

    public override int MaximumTokenSizeInBytes
    {
        get => _inner.MaximumTokenSizeInBytes;
        set => _inner.MaximumTokenSizeInBytes = value;
    }

    /// <summary>How many tokens are remembered now (for tests).</summary>
    internal int Count => _valid.Count;

    public override SecurityToken ReadToken(string token) => _inner.ReadToken(token);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (validationParameters.LifetimeValidator is not { } lifetime)
        {
            // Without a lifetime rule of the service's own there is nothing to check a remembered token against.
            return await _inner.ValidateTokenAsync(token, validationParameters);
        }

        var keys = await KeysOfAsync(validationParameters);

        if (_valid.TryGetValue(token, out var remembered))
        {
            if (ReferenceEquals(remembered.Keys, keys)
                && IsWithinLifetime(lifetime, remembered.Token, validationParameters))
            {
                return new TokenValidationResult
                {
                    IsValid = true,
                    SecurityToken = remembered.Token,
                    ClaimsIdentity = new CaseSensitiveClaimsIdentity(remembered.Identity),
                    Issuer = remembered.Token.Issuer,
                    TokenType = remembered.Token.Typ,
                };
            }

            _valid.TryRemove(token, out _);
        }

        var result = await _inner.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, SecurityToken: JsonWebToken validated, ClaimsIdentity: { } identity })
        {
            if (_valid.Count >= Capacity)
            {
                Forget(validationParameters);
            }

            // A copy, since the scheme changes the identity it is given.
            _valid[token] = new Remembered(validated, new CaseSensitiveClaimsIdentity(identity), keys);
        }

        return result;
    }

    /// <summary>
    /// What the signing keys are now: the provider's configuration (replaced as a whole when refreshed), or the keys
    /// configured. A remembered token counts only while this is the same object.
    /// </summary>
    private static async Task<object?> KeysOfAsync(TokenValidationParameters parameters) =>
        parameters.ConfigurationManager is { } provider
            ? await provider.GetBaseConfigurationAsync(CancellationToken.None)
            : (object?)parameters.IssuerSigningKey ?? parameters.IssuerSigningKeys;

    /// <summary>The validation's lifetime rule, given the token's <c>nbf</c> and <c>exp</c> as the full validation gives them (absent: null).</summary>
    private static bool IsWithinLifetime(LifetimeValidator lifetime, JsonWebToken token, TokenValidationParameters parameters) => lifetime(
        token.ValidFrom == DateTime.MinValue ? null : token.ValidFrom, token.ValidTo == DateTime.MinValue ? null : token.ValidTo, token, parameters);

    private void Forget(TokenValidationParameters parameters)
    {
        foreach (var (token, remembered) in _valid)
        {
            if (!IsWithinLifetime(parameters.LifetimeValidator!, remembered.Token, parameters))
            {
                _valid.TryRemove(token, out _);
            }
        }

        if (_valid.Count >= Capacity)
        {
            _valid.Clear();
        }
    }

    private sealed record Remembered(JsonWebToken Token, CaseSensitiveClaimsIdentity Identity, object? Keys);
}
