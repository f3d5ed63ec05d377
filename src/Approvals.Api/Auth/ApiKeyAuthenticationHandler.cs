using System.Security.Claims;
using System.Text.Encodings.Web;
using Approvals.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>
/// Authenticates services by API key, sent as the original service did (<c>Authorization: &lt;key&gt;</c>), as
/// <c>Authorization: ApiKey &lt;key&gt;</c>, or as <c>X-Api-Key</c>. <see cref="ApiKeyDirectory"/> decides which
/// keys are valid; the principal carries the client's name, its actor and its scopes.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyDirectory directory)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>Longer than any key this service issues or accepts; longer input is refused before hashing.</summary>
    private const int MaxKeyLength = 500;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (presented.Length is 0 or > MaxKeyLength)
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }

        var client = await directory.FindAsync(presented, Context.RequestServices, Context.RequestAborted);
        if (client is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, client.Name),
                new Claim(Caller.ActorClaim, Caller.ForClient(client.Name)),
                .. client.Scopes.Select(scope => new Claim(Scopes.ClaimType, scope)),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        AuthResponses.ChallengeAsync(Context, invalidBearerToken: false);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => AuthResponses.ForbidAsync(Context);

    /// <summary>True when the request carries a bearer token, which the JWT scheme handles instead.</summary>
    internal static bool HasBearerToken(HttpRequest request) =>
        request.Headers[HeaderName].Count == 0
        && request.Headers.Authorization.ToString().TrimStart().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    /// <summary>The key the request presents, or null when it presents none this scheme understands.</summary>
    internal static string? ReadKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length > 0)
        {
            return header.Trim();
        }

        var authorization = request.Headers.Authorization.ToString().Trim();
        if (authorization.Length == 0 || HasBearerToken(request))
        {
            return null;
        }

        return authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase)
            ? authorization["ApiKey ".Length..].Trim()
            : authorization;
    }
}
