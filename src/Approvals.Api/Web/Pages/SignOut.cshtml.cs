using Approvals.Api.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages;

/// <summary>
/// Ends the session (a form post with the antiforgery token, so no other site can sign anyone out), and then the
/// identity provider's when the session came from there, so the next sign-in asks for the person again.
/// </summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        if (await WebProviderSignIn.SignsOutAtProviderAsync(HttpContext))
        {
            // The session first (the provider's handler reads the ID token from the request's cookie, still there),
            // then to the provider, which sends the browser back to the sign-in page.
            return SignOut(new AuthenticationProperties { RedirectUri = WebSession.SignInPath }, WebSession.Scheme, WebProviderSignIn.Scheme);
        }

        await WebSession.SignOutAsync(HttpContext);
        return LocalRedirect(WebSession.SignInPath);
    }
}
