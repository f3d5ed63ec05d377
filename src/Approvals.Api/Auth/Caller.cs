using System.Security.Claims;

namespace Approvals.Api.Auth;

/// <summary>Who is making a change, as written into history rows (<c>client:&lt;name&gt;</c> or <c>user:&lt;id&gt;</c>).</summary>
public sealed record Caller(string Actor, string? CorrelationId)
{
    public const string ActorClaim = "approvals:actor";

    public static Caller From(HttpContext context) =>
        new(context.User.FindFirstValue(ActorClaim) ?? "anonymous", Infrastructure.CorrelationId.Get(context));

    public static Caller System(string name) => new($"system:{name}", null);
}
