using System.Security.Claims;
using Approvals.Api.Persistence.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Approvals.Api.Http;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Auth;

/// <summary>How long a web session lasts and whether its cookie needs HTTPS (<c>Web:*</c>).</summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>A session ends after this long without a request (sliding), and at sign-out.</summary>
    public int SessionIdleMinutes { get; set; } = 480;

    /// <summary>
    /// Whether the session and antiforgery cookies are sent over HTTPS only; null means everywhere but the Development
    /// environment. Only a demo on plain HTTP (./run.sh on 127.0.0.1) or a test turns it off.
    /// </summary>
    public bool? SecureCookie { get; set; }

    public CookieSecurePolicy CookiePolicy(IHostEnvironment environment) =>
        SecureCookie ?? !environment.IsDevelopment() ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
}

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options) =>
        options.SessionIdleMinutes is >= 5 and <= 7 * 24 * 60
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Web:SessionIdleMinutes must be from 5 to 10080 (a week).");
}

/// <summary>
/// The web pages' session: an HttpOnly, SameSite=Lax cookie that names only the person's subject. On every request
/// the subject is resolved exactly as a bearer token's is (<see cref="PersonResolver"/>), so a page has the same
/// rights as the API for the same person, and disabling someone or changing their roles takes effect on open
/// sessions as it does on tokens. The cookie authenticates web pages only (<see cref="WebPageMetadata"/>): an API
/// route never accepts it, so no API call can be forged from another site.
/// </summary>
public static class WebSession
{
    public const string Scheme = "WebSession";
    public const string CookieName = "approvals.session";
    public const string SignInPath = "/sign-in";
    public const string ChangePasswordPath = "/account/password";

    /// <summary>The role claim type of a session's principal (what <see cref="ClaimsIdentity.RoleClaimType"/> reads).</summary>
    private const string RoleClaim = "roles";

    private const string SubjectClaim = "sub";

    public static AuthenticationBuilder AddWebSession(this AuthenticationBuilder authentication)
    {
        authentication.Services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section).ValidateOnStart();
        authentication.Services.AddSingleton<IValidateOptions<WebOptions>, WebOptionsValidator>();
        authentication.Services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<IOptions<WebOptions>, IHostEnvironment, TimeProvider>((cookie, web, environment, clock) =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = web.Value.CookiePolicy(environment);
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(web.Value.SessionIdleMinutes);
                cookie.SlidingExpiration = true;
                cookie.TimeProvider = clock;
                cookie.LoginPath = SignInPath;
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.Events.OnValidatePrincipal = ResolvePersonAsync;

                // A page the person's rights do not allow answers 403 itself (the error pages show it), rather than
                // redirecting to a page of its own.
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
                cookie.Events.OnCheckSlidingExpiration = context =>
                {
                    context.ShouldRenew &= context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<NoSessionRenewalMetadata>() is null;
                    return Task.CompletedTask;
                };
            });
        return authentication.AddCookie(Scheme);
    }

    /// <summary>Starts a session for <paramref name="user"/>, who just proved their password.</summary>
    public static Task SignInAsync(HttpContext context, User user) => SignInAsync(context, user.Subject, user.PasswordChangeRequired);

    /// <summary>
    /// Starts a session for the person with this subject; with <paramref name="passwordChangeRequired"/> it allows
    /// only choosing a new password, as a token issued for a one-time password does.
    /// </summary>
    public static Task SignInAsync(HttpContext context, string subject, bool passwordChangeRequired) =>
        context.SignInAsync(Scheme, PrincipalFor(subject, passwordChangeRequired));

    /// <summary>What a session's cookie holds: the subject alone (and that only a new password may be chosen).</summary>
    public static ClaimsPrincipal PrincipalFor(string subject, bool passwordChangeRequired) =>
        new(new ClaimsIdentity(
            [
                new Claim(SubjectClaim, subject),
                .. passwordChangeRequired ? [new Claim(PersonClaims.PasswordChangeRequired, "true")] : Array.Empty<Claim>(),
            ],
            Scheme));

    /// <summary>The subject the session names.</summary>
    public static string? SubjectOf(HttpContext context) => context.User.FindFirstValue(SubjectClaim);

    public static Task SignOutAsync(HttpContext context) => context.SignOutAsync(Scheme);

    /// <summary>
    /// Replaces the cookie's principal for this request with the person as the service knows them now, or ends the
    /// session when the subject is unknown or disabled.
    /// </summary>
    private static async Task ResolvePersonAsync(CookieValidatePrincipalContext context)
    {
        var subject = context.Principal?.FindFirstValue(SubjectClaim);
        var person = subject is null
            ? null
            : await context.HttpContext.RequestServices.GetRequiredService<PersonResolver>()
                .ResolveAsync(subject, provider: null, context.HttpContext.RequestServices, context.HttpContext.RequestAborted);
        if (person is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        var identity = new ClaimsIdentity(Scheme, PersonClaims.Username, RoleClaim);
        identity.AddClaim(new Claim(SubjectClaim, subject!));
        PersonClaims.Describe(identity, subject!, person, RoleClaim);
        if (context.Principal!.HasClaim(PersonClaims.PasswordChangeRequired, "true"))
        {
            identity.AddClaim(new Claim(PersonClaims.PasswordChangeRequired, "true"));
        }

        context.ReplacePrincipal(new ClaimsPrincipal(identity));
    }
}
