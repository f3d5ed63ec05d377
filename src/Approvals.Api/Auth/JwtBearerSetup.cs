using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Api.Auth;

/// <summary>The key that signs and verifies locally issued tokens: configured, or generated for this process only.</summary>
public sealed class LocalSigningKey
{
    public LocalSigningKey(IOptions<JwtOptions> options)
    {
        var configured = options.Value.SigningKey;
        IsEphemeral = string.IsNullOrEmpty(configured);
        Key = new SymmetricSecurityKey(IsEphemeral ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(configured!));
    }

    public const string Algorithm = SecurityAlgorithms.HmacSha256;

    public SymmetricSecurityKey Key { get; }

    public bool IsEphemeral { get; }
}

/// <summary>
/// Configures the JWT bearer scheme from <see cref="JwtOptions"/>: signature, issuer, audience and lifetime are all
/// checked, lifetime against the injected <see cref="TimeProvider"/>. The actor is derived here from <c>sub</c>, so a
/// token cannot claim another actor or API key scopes by carrying those claims itself, and the person it names is
/// resolved on every request (<see cref="PersonResolver"/>).
/// </summary>
internal sealed class JwtBearerSetup(IOptions<JwtOptions> jwtOptions, LocalSigningKey localKey, TimeProvider clock)
    : IConfigureNamedOptions<JwtBearerOptions>
{
    /// <summary>Longer subjects are refused; it is also the longest username (<see cref="User.MaxUsernameLength"/>).</summary>
    private const int MaxSubjectLength = User.MaxUsernameLength;

    /// <summary>The prefix of the claims the service sets itself (<see cref="Caller.ActorClaim"/>, <see cref="PersonClaims"/>, <see cref="Scopes.ClaimType"/>).</summary>
    private const string OwnClaimPrefix = "approvals:";

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        var settings = jwtOptions.Value;
        var skew = TimeSpan.FromSeconds(settings.ClockSkewSeconds);
        options.MapInboundClaims = false;

        // Nothing reads the token back from the authentication properties; storing it cost every request.
        options.SaveToken = false;

        // A token found valid is remembered while it stays valid, so its signature is not checked on every request.
        options.TokenHandlers.Clear();
        options.TokenHandlers.Add(new RememberingTokenHandler());
        options.TimeProvider = clock;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = settings.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = skew,
            LifetimeValidator = (notBefore, expires, _, _) => IsWithinLifetime(notBefore, expires, skew),
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            NameClaimType = "name",
            RoleClaimType = settings.RoleClaim,
        };

        if (settings.UsesAuthority)
        {
            // Keys and (unless configured) the issuer come from the provider's discovery document and JWKS.
            options.Authority = settings.Authority;
            options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            if (settings.Issuer.Length > 0)
            {
                options.TokenValidationParameters.ValidIssuer = settings.Issuer;
            }
        }
        else
        {
            options.TokenValidationParameters.ValidIssuer = settings.EffectiveLocalIssuer;
            options.TokenValidationParameters.IssuerSigningKey = localKey.Key;
            options.TokenValidationParameters.ValidAlgorithms = [LocalSigningKey.Algorithm];
        }

        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = ResolvePersonAsync,
            OnChallenge = context =>
            {
                context.HandleResponse();
                return AuthResponses.ChallengeAsync(context.HttpContext, invalidBearerToken: context.AuthenticateFailure is not null);
            },
            OnForbidden = context => AuthResponses.ForbidAsync(context.HttpContext),
        };
    }

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);

    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, TimeSpan skew)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return expires is { } end && end > now - skew && (notBefore is not { } start || start <= now + skew);
    }

    /// <summary>
    /// Derives the actor from <c>sub</c> and resolves the person it names (<see cref="PersonResolver"/>): unknown or
    /// disabled people are refused, and the principal gets their username, roles and groups as the service knows
    /// them. Claims of the service's own (<c>approvals:*</c>) that a token carries are dropped first.
    /// </summary>
    private async Task ResolvePersonAsync(TokenValidatedContext context)
    {
        var subject = context.Principal?.FindFirstValue("sub");
        if (context.Principal?.Identity is not ClaimsIdentity identity || string.IsNullOrEmpty(subject) || subject.Length > MaxSubjectLength
            || subject.Any(char.IsControl))
        {
            context.Fail("The token has no usable subject.");
            return;
        }

        foreach (var claim in identity.FindAll(c => c.Type.StartsWith(OwnClaimPrefix, StringComparison.Ordinal)).ToList())
        {
            identity.RemoveClaim(claim);
        }

        var settings = jwtOptions.Value;
        var provider = settings.UsesAuthority ? ProviderIdentity.From(identity, settings.RoleClaim, settings.GroupClaim) : null;
        var person = await context.HttpContext.RequestServices.GetRequiredService<PersonResolver>()
            .ResolveAsync(subject, provider, context.HttpContext.RequestServices, context.HttpContext.RequestAborted);
        if (person is null)
        {
            context.Fail("The token's user is unknown or disabled.");
            return;
        }

        foreach (var role in identity.FindAll(settings.RoleClaim).ToList())
        {
            identity.RemoveClaim(role);
        }

        PersonClaims.Describe(identity, subject, person, settings.RoleClaim);

        // Only tokens issued here say whether they were issued for a one-time password.
        if (!settings.UsesAuthority && identity.FindFirst(PersonClaims.TokenPasswordChangeRequired)?.Value is "true")
        {
            identity.AddClaim(new Claim(PersonClaims.PasswordChangeRequired, "true"));
        }
    }
}

/// <summary>Says at start-up which way tokens are validated, and warns when the signing key will not survive a restart.</summary>
internal sealed partial class JwtModeReporter(IOptions<JwtOptions> options, LocalSigningKey localKey, ILogger<JwtModeReporter> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.UsesAuthority)
        {
            LogAuthority(logger, options.Value.Authority!);
        }
        else if (localKey.IsEphemeral)
        {
            LogEphemeralKey(logger);
        }
        else
        {
            LogLocalKey(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Bearer tokens are validated against the OpenID Connect provider {Authority}")]
    private static partial void LogAuthority(ILogger logger, string authority);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bearer tokens are issued for local accounts and signed with the configured key")]
    private static partial void LogLocalKey(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:Jwt:SigningKey is not set: tokens are signed with a key generated for this process and stop working when it restarts; set the key for anything but a demo")]
    private static partial void LogEphemeralKey(ILogger logger);
}
