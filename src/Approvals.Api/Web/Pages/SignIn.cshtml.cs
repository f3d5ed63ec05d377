using Approvals.Api.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Approvals.Api.Web.Pages;

/// <summary>
/// Signs a local account in with its password (the same check, and the same rate limit per address, as
/// <c>POST /api/v1/auth/token</c>), then goes back to the page that asked for it. A person with a one-time password
/// goes on to choose a new one.
/// </summary>
[EnableRateLimiting(Http.RateLimiting.SignInPolicy)]
public sealed class SignInModel(UserAccounts accounts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    public IActionResult OnGet() => WebViewer.Of(HttpContext) is null ? Page() : LocalRedirect(SafeReturnUrl());

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Username) || string.IsNullOrEmpty(Password)
            || Username.Length > UserAccounts.MaxUsernameLength || Password.Length > UserAccounts.MaxPasswordLength)
        {
            Error = "Enter your username and password.";
            return Page();
        }

        var user = await accounts.VerifyAsync(Username, Password, cancellationToken);
        if (user is null)
        {
            // The same words for an unknown name and a wrong password, as the token endpoint.
            Error = "The username or password is wrong.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await WebSession.SignInAsync(HttpContext, user);
        return LocalRedirect(user.PasswordChangeRequired ? WebSession.ChangePasswordPath : SafeReturnUrl());
    }

    /// <summary>Only a path of this site: anything else (another host, <c>//host</c>, <c>/\host</c>) goes to the inbox.</summary>
    private string SafeReturnUrl() => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";
}
