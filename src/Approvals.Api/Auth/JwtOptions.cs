using System.Text;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>
/// How people's bearer tokens are validated (<c>Auth:Jwt</c>). Either <see cref="Authority"/> names an OpenID Connect
/// provider whose signing keys are discovered (JWKS), or tokens are issued here by <c>POST /api/v1/auth/token</c>
/// for local accounts and signed with <see cref="SigningKey"/>. Neither set: local mode with a key generated at
/// start-up, so tokens stop working when the process restarts (fine for a demo, logged as a warning).
/// </summary>
public sealed class JwtOptions
{
    public const string Section = "Auth:Jwt";
    public const string LocalIssuer = "approvals";
    public const int MinimumSigningKeyBytes = 32;

    /// <summary>OpenID Connect issuer URL, for example a Keycloak realm or an Entra ID tenant.</summary>
    public string? Authority { get; set; }

    /// <summary>Refuse to fetch the provider's metadata over plain http; only turn off for local testing.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Local mode: the HMAC-SHA256 key (at least 32 bytes of UTF-8), shared by every instance.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Expected <c>iss</c>; empty means "approvals" in local mode and the provider's own issuer otherwise.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>Expected <c>aud</c>, and the audience of locally issued tokens.</summary>
    public string Audience { get; set; } = "approvals-api";

    /// <summary>The claim listing a person's roles (requester, approver, admin).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>With <see cref="Authority"/>: the claim listing a person's groups (local groups apply as well).</summary>
    public string GroupClaim { get; set; } = "groups";

    public int TokenLifetimeMinutes { get; set; } = 15;

    /// <summary>Tolerance for clocks that differ between token issuer and this service.</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

    public string EffectiveLocalIssuer => Issuer.Length > 0 ? Issuer : LocalIssuer;
}

internal sealed class JwtOptionsValidator : IValidateOptions<JwtOptions>
{
    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        var failures = new List<string>();
        if (options.UsesAuthority && !string.IsNullOrEmpty(options.SigningKey))
        {
            failures.Add("Set either Auth:Jwt:Authority (an OpenID Connect provider) or Auth:Jwt:SigningKey (local accounts), not both.");
        }

        if (options.UsesAuthority)
        {
            if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            {
                failures.Add("Auth:Jwt:Authority must be an absolute https URL.");
            }
            else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
            {
                failures.Add("Auth:Jwt:Authority must use https (set Auth:Jwt:RequireHttpsMetadata=false only for local testing).");
            }
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && Encoding.UTF8.GetByteCount(options.SigningKey) < JwtOptions.MinimumSigningKeyBytes)
        {
            failures.Add($"Auth:Jwt:SigningKey must be at least {JwtOptions.MinimumSigningKeyBytes} bytes.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Auth:Jwt:Audience is required.");
        }

        if (string.IsNullOrWhiteSpace(options.RoleClaim))
        {
            failures.Add("Auth:Jwt:RoleClaim is required.");
        }

        if (string.IsNullOrWhiteSpace(options.GroupClaim))
        {
            failures.Add("Auth:Jwt:GroupClaim is required.");
        }

        if (options.TokenLifetimeMinutes is < 1 or > 1440)
        {
            failures.Add("Auth:Jwt:TokenLifetimeMinutes must be from 1 to 1440.");
        }

        if (options.ClockSkewSeconds is < 0 or > 300)
        {
            failures.Add("Auth:Jwt:ClockSkewSeconds must be from 0 to 300.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
