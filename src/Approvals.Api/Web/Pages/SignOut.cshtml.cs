using Approvals.Api.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Approvals.Api.Web.Pages;

/// <summary>Ends the session (a form post with the antiforgery token, so no other site can sign anyone out).</summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        await WebSession.SignOutAsync(HttpContext);
        return LocalRedirect(WebSession.SignInPath);
    }
}
