using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Approvals.Api.Auth;

/// <summary>
/// The web pages' sign-in through the identity provider (<c>Web:Oidc:*</c>), used when <c>Auth:Jwt:Authority</c> names
/// one: the pages are then a client of the provider, as the API's callers are.
/// </summary>
public sealed class WebProviderOptions
{
    public const string Section = "Web:Oidc";

    /// <summary>The client registered at the provider for the web pages (its redirect URI: <c>https://…/signin-oidc</c>, its post-logout redirect URI: <c>https://…/signout-callback-oidc</c>); empty: no sign-in through the provider.</summary>
    public string? ClientId { get; set; }

    /// <summary>The client's secret for a confidential client; empty for a public client (PKCE protects the code either way).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for besides <c>openid</c>; the role and group claims must be in the ID token (<c>Auth:Jwt:RoleClaim</c>, <c>:GroupClaim</c>).</summary>
    public string[] Scopes { get; set; } = ["profile"];

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId);
}

/// <summary>
/// Signs a person in on the web pages through the OpenID Connect provider: the authorization code flow with PKCE, the
/// ID token validated against the provider's keys (issuer, audience = the client, nonce, lifetime), its subject, roles
/// and groups recorded exactly as a bearer token's are (<see cref="PersonResolver"/>: first seen, remembered, refused
/// when disabled), then the same session as a local sign-in (<see cref="WebSession"/>): a cookie naming the subject
/// alone, the person resolved on every request. Of the provider's tokens only the ID token is kept, in the session
/// cookie, to name the session when signing out: sign-out ends this session and then the provider's (RP-initiated
/// logout), when the provider publishes an end-session endpoint.
/// </summary>
public static class WebProviderSignIn
{
    public const string Scheme = "WebProvider";
    public const string CallbackPath = "/signin-oidc";

    /// <summary>Where the provider sends the browser back after its sign-out (register it at the provider too).</summary>
    public const string SignedOutCallbackPath = "/signout-callback-oidc";

    /// <summary>Why a sign-in through the provider was refused, on the sign-in page's address (<c>?failed=</c>).</summary>
    public const string RefusedPerson = "person";
    public const string RefusedResponse = "response";

    /// <summary>Whether the pages sign people in through the provider: a provider (<c>Auth:Jwt:Authority</c>) and a client for the pages.</summary>
    public static bool IsEnabled(JwtOptions jwt, WebProviderOptions provider) => jwt.UsesAuthority && provider.IsConfigured;

    /// <summary>
    /// Whether signing out of this session goes on to the provider: the pages sign in there and the session came from
    /// it (it holds the ID token; a session started before this version kept the token does not).
    /// </summary>
    public static async Task<bool> SignsOutAtProviderAsync(HttpContext context) =>
        await context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(Scheme) is not null
        && await context.GetTokenAsync(WebSession.Scheme, OpenIdConnectParameterNames.IdToken) is not null;

    /// <summary>The origin the sign-in and sign-out forms' posts redirect to (the provider's), or null when people sign in with a password.</summary>
    public static string? FormTarget(IServiceProvider services)
    {
        var jwt = services.GetRequiredService<IOptions<JwtOptions>>().Value;
        return IsEnabled(jwt, services.GetRequiredService<IOptions<WebProviderOptions>>().Value)
            ? new Uri(jwt.Authority!).GetLeftPart(UriPartial.Authority)
            : null;
    }

    /// <summary>Adds the scheme only when it is enabled (<paramref name="configuration"/> says), so no request pays for a handler that cannot be used.</summary>
    public static AuthenticationBuilder AddWebProviderSignIn(this AuthenticationBuilder authentication, IConfiguration configuration)
    {
        authentication.Services.AddOptions<WebProviderOptions>().BindConfiguration(WebProviderOptions.Section);
        if (!IsEnabled(configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new(),
                configuration.GetSection(WebProviderOptions.Section).Get<WebProviderOptions>() ?? new()))
        {
            return authentication;
        }

        authentication.Services.AddOptions<OpenIdConnectOptions>(Scheme)
            .Configure<IOptions<JwtOptions>, IOptions<WebProviderOptions>, IOptions<WebOptions>, IHostEnvironment>((oidc, jwt, provider, web, environment) =>
            {
                oidc.Authority = jwt.Value.Authority;
                oidc.RequireHttpsMetadata = jwt.Value.RequireHttpsMetadata;
                oidc.ClientId = provider.Value.ClientId;
                oidc.ClientSecret = string.IsNullOrEmpty(provider.Value.ClientSecret) ? null : provider.Value.ClientSecret;
                oidc.ResponseType = OpenIdConnectResponseType.Code;
                oidc.UsePkce = true;

                // The code comes back on a top-level GET, so the correlation and nonce cookies can be SameSite=Lax like
                // the session's (a form_post from the provider's site would need SameSite=None).
                oidc.ResponseMode = OpenIdConnectResponseMode.Query;
                oidc.CallbackPath = CallbackPath;
                oidc.SignedOutCallbackPath = SignedOutCallbackPath;
                oidc.SignInScheme = WebSession.Scheme;
                oidc.SaveTokens = false;
                oidc.GetClaimsFromUserInfoEndpoint = false;
                oidc.MapInboundClaims = false;
                oidc.Scope.Clear();
                oidc.Scope.Add(OpenIdConnectScope.OpenId);
                foreach (var scope in provider.Value.Scopes.Where(s => !string.IsNullOrWhiteSpace(s)))
                {
                    oidc.Scope.Add(scope.Trim());
                }

                if (jwt.Value.Issuer.Length > 0)
                {
                    oidc.TokenValidationParameters.ValidIssuer = jwt.Value.Issuer;
                }

                oidc.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(jwt.Value.ClockSkewSeconds);
                foreach (var cookie in new[] { oidc.CorrelationCookie, oidc.NonceCookie })
                {
                    cookie.SameSite = SameSiteMode.Lax;
                    cookie.SecurePolicy = web.Value.CookiePolicy(environment);
                }

                // The ID token alone is kept (SaveTokens would keep the access token too), as the sign-out's
                // id_token_hint: the provider learns which of its sessions to end.
                oidc.Events.OnTokenValidated = context =>
                {
                    context.Properties!.StoreTokens([new AuthenticationToken { Name = OpenIdConnectParameterNames.IdToken, Value = context.SecurityToken.RawData }]);
                    return Task.CompletedTask;
                };

                // After every check (the nonce is checked after OnTokenValidated in the code flow), before the sign-in.
                oidc.Events.OnTicketReceived = RecordPersonAsync;

                // A provider without an end-session endpoint: the session here has ended, which is all there is to do.
                oidc.Events.OnRedirectToIdentityProviderForSignOut = context =>
                {
                    if (string.IsNullOrEmpty(context.ProtocolMessage.IssuerAddress))
                    {
                        context.Response.Redirect(context.Properties.RedirectUri ?? WebSession.SignInPath);
                        context.HandleResponse();
                    }

                    return Task.CompletedTask;
                };

                oidc.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect($"{WebSession.SignInPath}?failed={RefusedResponse}");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        return authentication.AddOpenIdConnect(Scheme, "Identity provider", _ => { });
    }

    /// <summary>
    /// The ID token is valid: record the person it names (as a bearer token would) and sign in with a session that
    /// names the subject only; a disabled person, or a subject that is a local account's name, is sent back refused.
    /// </summary>
    private static async Task RecordPersonAsync(TicketReceivedContext context)
    {
        var jwt = context.HttpContext.RequestServices.GetRequiredService<IOptions<JwtOptions>>().Value;
        var identity = (ClaimsIdentity)context.Principal!.Identity!;
        var subject = identity.FindFirst("sub")?.Value;
        var person = string.IsNullOrEmpty(subject)
            ? null
            : await context.HttpContext.RequestServices.GetRequiredService<PersonResolver>().ResolveAsync(
                subject, ProviderIdentity.From(identity, jwt.RoleClaim, jwt.GroupClaim), context.HttpContext.RequestServices,
                context.HttpContext.RequestAborted);
        if (person is null)
        {
            context.Response.Redirect($"{WebSession.SignInPath}?failed={RefusedPerson}");
            context.HandleResponse();
            return;
        }

        context.Principal = WebSession.PrincipalFor(subject!, passwordChangeRequired: false);
    }
}
