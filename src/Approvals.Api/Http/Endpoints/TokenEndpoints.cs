using System.Text.Json.Serialization;
using Approvals.Api.Auth;
using Approvals.Api.Http;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Approvals.Api.Http.Endpoints;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TokenRequest(string? Username, string? Password);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary><c>POST /api/v1/auth/token</c>: local accounts trade a username and password for a short-lived JWT.</summary>
public static class TokenEndpoints
{
    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/auth/token", IssueToken).WithTags("Auth").AllowAnonymous().WithName(nameof(IssueToken))
            .RequireRateLimiting(RateLimiting.SignInPolicy);
        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> IssueToken(
        TokenRequest request, UserAccounts accounts, LocalTokenIssuer issuer, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(request.Username) || request.Username.Length > UserAccounts.MaxUsernameLength)
        {
            errors.Add("username", $"Required, at most {UserAccounts.MaxUsernameLength} characters.");
        }

        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > UserAccounts.MaxPasswordLength)
        {
            errors.Add("password", $"Required, at most {UserAccounts.MaxPasswordLength} characters.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid.ToProblem();
        }

        var user = await accounts.VerifyAsync(request.Username!, request.Password!, cancellationToken);
        if (user is null)
        {
            // One answer for an unknown name and a wrong password, so names cannot be probed.
            AuthResponses.AddChallenges(context.Response, invalidBearerToken: false);
            return new DomainError(ErrorCodes.InvalidCredentials, "The username or password is wrong.").ToProblem();
        }

        var (token, expiresAt) = issuer.Issue(user);
        return TypedResults.Ok(new TokenResponse(token, expiresAt));
    }
}
