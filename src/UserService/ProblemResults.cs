using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace UserService;

/// <summary>RFC 9457 ProblemDetails with a stable <c>code</c>, as the approval service answers.</summary>
internal static class ProblemResults
{
    public static ProblemHttpResult Of(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult Unauthenticated() =>
        Of(StatusCodes.Status401Unauthorized, "auth.unauthenticated", "A valid API key is required in the Authorization header.");

    /// <summary>The raw key in <c>Authorization</c>, as the original approval service sent it; compared in constant time.</summary>
    public static bool HasApiKey(HttpRequest request, string expected)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString().Trim()));
        return expected.Length > 0 && CryptographicOperations.FixedTimeEquals(presented, SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
