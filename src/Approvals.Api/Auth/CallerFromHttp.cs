using System.Security.Claims;
using Approvals.Api.Http;
using Approvals.Domain;

namespace Approvals.Api.Auth;

/// <summary>The domain's <see cref="Caller"/> as the HTTP pipeline knows it: the authenticated principal.</summary>
public static class CallerFromHttp
{
    extension(Caller)
    {
        public static Caller From(HttpContext context) => new(
            context.User.FindFirstValue(Caller.ActorClaim) ?? "anonymous",
            CorrelationId.Get(context),
            Permissions.Of(context.User));
    }
}
