using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Approvals.Api.Infrastructure;
using Approvals.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>
/// Authenticates services by API key, sent as the original service did (<c>Authorization: &lt;key&gt;</c>), as
/// <c>Authorization: ApiKey &lt;key&gt;</c>, or as <c>X-Api-Key</c>. Keys are compared by hash in constant time.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ApiKeyOptions> apiKeys,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ConfiguredApiKey? match = null;
        foreach (var candidate in apiKeys.CurrentValue.ApiKeys)
        {
            // Every candidate is compared so the time taken does not depend on which key matched.
            var candidateHash = SHA256.HashData(Encoding.UTF8.GetBytes(candidate.Key));
            if (CryptographicOperations.FixedTimeEquals(presentedHash, candidateHash))
            {
                match ??= candidate;
            }
        }

        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, match.Name), new Claim(Caller.ActorClaim, $"client:{match.Name}")],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Detail = "A valid API key is required (Authorization or X-Api-Key header).",
                Extensions = { ["code"] = ErrorCodes.Unauthenticated },
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Detail = "The caller may not perform this operation.",
                Extensions = { ["code"] = ErrorCodes.Forbidden },
            },
        });
    }

    /// <summary>The key the request presents, or null when it presents none this scheme understands.</summary>
    internal static string? ReadKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length > 0)
        {
            return header.Trim();
        }

        var authorization = request.Headers.Authorization.ToString().Trim();
        if (authorization.Length == 0 || authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase)
            ? authorization["ApiKey ".Length..].Trim()
            : authorization;
    }
}
