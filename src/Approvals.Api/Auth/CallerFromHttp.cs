using System.Security.Claims;
using Approvals.Api.Http;
using Approvals.Domain;

namespace Approvals.Api.Auth;

/// <summary>
/// The domain's <see cref="Caller"/> as the HTTP pipeline knows it: the authenticated principal. A person's username,
/// roles and groups are the ones <see cref="PersonResolver"/> put on the principal when the token was validated
/// (stored ones, or the identity provider's claims plus local groups); service keys have none.
/// </summary>
public static class CallerFromHttp
{
    extension(Caller)
    {
        public static Caller From(HttpContext context)
        {
            var principal = context.User;
            var caller = new Caller(principal.FindFirstValue(Caller.ActorClaim) ?? "anonymous", CorrelationId.Get(context), Permissions.Of(principal));
            if (!caller.IsPerson || principal.Identity is not ClaimsIdentity identity)
            {
                return caller;
            }

            return caller with
            {
                Username = principal.FindFirstValue(PersonClaims.Username),
                Roles = identity.FindAll(identity.RoleClaimType).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
                Groups = principal.FindAll(PersonClaims.Group).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
            };
        }
    }
}
