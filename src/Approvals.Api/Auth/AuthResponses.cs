using Approvals.Api.Http;
using Approvals.Domain;
using Microsoft.Net.Http.Headers;

namespace Approvals.Api.Auth;

/// <summary>
/// The 401 and 403 answers, shared by both authentication schemes so a caller sees the same problem whichever
/// credential it sent. A 401 names both schemes, since every endpoint accepts either.
/// </summary>
internal static class AuthResponses
{
    public const string Realm = "approvals";

    public static Task ChallengeAsync(HttpContext context, bool invalidBearerToken)
    {
        AddChallenges(context.Response, invalidBearerToken);
        return WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated,
            "A valid API key (Authorization or X-Api-Key header) or bearer token is required.");
    }

    public static Task ForbidAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "The caller may not perform this operation.");

    /// <summary>The <c>WWW-Authenticate</c> challenges (RFC 9110 requires one on every 401).</summary>
    public static void AddChallenges(HttpResponse response, bool invalidBearerToken)
    {
        response.Headers.Append(HeaderNames.WWWAuthenticate, invalidBearerToken
            ? $"Bearer realm=\"{Realm}\", error=\"invalid_token\""
            : $"Bearer realm=\"{Realm}\"");
        response.Headers.Append(HeaderNames.WWWAuthenticate,
            $"{ApiKeyAuthenticationHandler.SchemeName} realm=\"{Realm}\", header=\"{ApiKeyAuthenticationHandler.HeaderName}\"");
    }

    private static Task WriteAsync(HttpContext context, int status, string code, string detail) =>
        context.Response.HasStarted ? Task.CompletedTask : Problems.WriteAsync(context, status, code, detail);
}
