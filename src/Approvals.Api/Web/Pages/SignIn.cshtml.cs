using Approvals.Api.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Web.Pages;

/// <summary>
/// Signs a local account in with its password (the same check, and the same rate limit per address, as
/// <c>POST /api/v1/auth/token</c>), then goes back to the page that asked for it. A person with a one-time password
/// goes on to choose a new one. With an identity provider (<see cref="WebProviderSignIn"/>) it sends the person there
/// instead: provider accounts have no password here.
/// </summary>
[EnableRateLimiting(Http.RateLimiting.SignInPolicy)]
public sealed class SignInModel(UserAccounts accounts, IOptions<JwtOptions> jwt, IOptions<WebProviderOptions> provider) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    /// <summary>People sign in at the identity provider, not with a password.</summary>
    public bool ThroughProvider => jwt.Value.UsesAuthority;

    /// <summary>With an identity provider but no client for the pages (<c>Web:Oidc:ClientId</c>): nobody can sign in here.</summary>
    public bool ProviderUnconfigured => ThroughProvider && !WebProviderSignIn.IsEnabled(jwt.Value, provider.Value);

    public IActionResult OnGet(string? failed)
    {
        if (WebViewer.Of(HttpContext) is not null)
        {
            return LocalRedirect(SafeReturnUrl());
        }

        Error = failed switch
        {
            WebProviderSignIn.RefusedPerson => "The identity provider signed you in, but your account here is disabled. Ask an administrator.",
            WebProviderSignIn.RefusedResponse => "Signing in through the identity provider did not complete. Try again.",
            _ => null,
        };
        return Page();
    }

    /// <summary>Goes to the identity provider, which comes back to this site's callback and then to the page asked for.</summary>
    public IActionResult OnPostProvider() => WebProviderSignIn.IsEnabled(jwt.Value, provider.Value)
        ? Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl() }, WebProviderSignIn.Scheme)
        : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ThroughProvider)
        {
            return NotFound();
        }

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
