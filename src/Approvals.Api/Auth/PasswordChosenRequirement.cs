using Approvals.Api.Http;
using Approvals.Domain;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Approvals.Api.Auth;

/// <summary>
/// Met unless the caller is a person whose token was issued for a one-time password
/// (<see cref="PersonClaims.PasswordChangeRequired"/>). Every policy but <see cref="AuthPolicies.Self"/> includes it,
/// so such a person may only read themselves and choose a new password until they sign in with it.
/// </summary>
public sealed class PasswordChosenRequirement : AuthorizationHandler<PasswordChosenRequirement>, IAuthorizationRequirement
{
    public static readonly PasswordChosenRequirement Instance = new();

    private PasswordChosenRequirement()
    {
    }

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PasswordChosenRequirement requirement)
    {
        if (!context.User.HasClaim(PersonClaims.PasswordChangeRequired, "true"))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Answers a refusal by <see cref="PasswordChosenRequirement"/> with its own code (<c>auth.password_change_required</c>),
/// which takes precedence over any other reason, since choosing a password is the first thing to do; everything else
/// goes to the default handling.
/// </summary>
internal sealed class PasswordChangeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden || authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<PasswordChosenRequirement>().Any() != true)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        if (WebPageMetadata.IsWebPage(context))
        {
            context.Response.Redirect(WebSession.ChangePasswordPath);
            return Task.CompletedTask;
        }

        return Problems.WriteAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.PasswordChangeRequired,
            "This token was issued for a one-time password: choose a new password (POST /api/v1/users/me/password), then sign in with it.");
    }
}
