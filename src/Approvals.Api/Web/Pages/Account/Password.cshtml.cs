using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages.Account;

/// <summary>
/// The signed-in person replaces their password (<see cref="MyAccount.ChangePasswordAsync"/>, the API's rules). A
/// session begun with a one-time password allows nothing else until this succeeds, then becomes a full session.
/// </summary>
public sealed class PasswordModel(MyAccount account) : PageModel
{
    public FormErrors Errors { get; private set; } = FormErrors.None;

    public bool Required => User.HasClaim(PersonClaims.PasswordChangeRequired, "true");

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        if (await account.ChangePasswordAsync(Caller.From(HttpContext), currentPassword, newPassword, cancellationToken) is { } error)
        {
            Errors = FormErrors.From(error);
            Response.StatusCode = Http.Problems.StatusFor(error.Kind);
            return Page();
        }

        await WebSession.SignInAsync(HttpContext, WebSession.SubjectOf(HttpContext)!, passwordChangeRequired: false);
        return LocalRedirect("/");
    }
}
