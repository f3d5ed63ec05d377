using System.Security.Claims;
using Approvals.Domain;

namespace Approvals.Api.Auth;

/// <summary>The domain's <see cref="Caller"/> as the HTTP pipeline knows it: the authenticated principal.</summary>
public static class CallerFromHttp
{
    extension(Caller)
    {
        public static Caller From(HttpContext context) => new(
            context.User.FindFirstValue(Caller.ActorClaim) ?? "anonymous",
            Infrastructure.CorrelationId.Get(context),
            Permissions.Of(context.User));
    }
}
