using Approvals.Api.Auth;
using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>The signed-in person a page is rendered for: who they are and what the navigation may offer them.</summary>
public sealed record WebViewer(Caller Caller)
{
    public string Username => Caller.Username ?? Caller.Actor;

    public bool IsAdmin => Caller.Permissions.HasFlag(Permission.Administer);

    public bool CanCreate => Caller.Permissions.HasFlag(Permission.Create);

    /// <summary>The signed-in person, or null on pages shown to anyone (sign-in, errors).</summary>
    public static WebViewer? Of(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true && Caller.From(context) is { IsPerson: true } caller ? new WebViewer(caller) : null;
}
