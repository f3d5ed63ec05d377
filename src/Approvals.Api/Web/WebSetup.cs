using Approvals.Api.Auth;
using Approvals.Api.Http;
using Approvals.Api.Persistence;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Web;

/// <summary>
/// The web pages for people (Razor Pages under <c>Web/Pages</c>, served at <c>/</c>): the same use cases as the API,
/// reached through a session cookie (<see cref="WebSession"/>) instead of a token. Every page needs a signed-in person
/// unless it says otherwise; the admin pages need the admin right, as the API's admin routes do.
/// </summary>
public static class WebSetup
{
    public const string AntiforgeryCookieName = "approvals.antiforgery";

    /// <summary>The cookie that carries a notice to the page after a post (<see cref="Notices"/>).</summary>
    public const string NoticeCookieName = "approvals.notice";

    /// <summary>The header that the pages' scripts send the antiforgery token in (forms send it as a field).</summary>
    public const string AntiforgeryHeaderName = "X-CSRF-TOKEN";

    public static IServiceCollection AddApprovalsWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Web/Pages";
            options.Conventions.AuthorizeFolder("/", AuthPolicies.Person);
            options.Conventions.AuthorizeFolder("/Admin", AuthPolicies.Admin);
            options.Conventions.AuthorizePage("/Account/Password", AuthPolicies.Self);
            options.Conventions.AuthorizePage("/New", AuthPolicies.CreateApprovals);
            options.Conventions.AllowAnonymousToPage("/SignIn");
            options.Conventions.AllowAnonymousToPage("/Error");
        });
        // The session, antiforgery and notice cookies are protected with keys kept in PostgreSQL, so any instance
        // behind one address reads what another wrote, and they survive restarts; encrypted there with a certificate
        // when one is configured (docs/web.md).
        services.AddDataProtection().SetApplicationName("approvals").ProtectKeysAsConfigured(configuration);
        services.AddSingleton<DataProtectionKeyStore>();
        services.AddOptions<KeyManagementOptions>().Configure<DataProtectionKeyStore>((keys, store) => keys.XmlRepository = store);
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = AntiforgeryCookieName;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.HeaderName = AntiforgeryHeaderName;
        });
        services.AddOptions<AntiforgeryOptions>().Configure<IOptions<WebOptions>, IHostEnvironment>((antiforgery, web, environment) =>
            antiforgery.Cookie.SecurePolicy = web.Value.CookiePolicy(environment));

        // The notices a page shows after a post that redirected (Notices): a short-lived cookie, like the others.
        services.AddOptions<CookieTempDataProviderOptions>().Configure<IOptions<WebOptions>, IHostEnvironment>((tempData, web, environment) =>
        {
            tempData.Cookie.Name = NoticeCookieName;
            tempData.Cookie.SameSite = SameSiteMode.Strict;
            tempData.Cookie.SecurePolicy = web.Value.CookiePolicy(environment);
        });
        return services;
    }

    public static WebApplication MapApprovalsWeb(this WebApplication app)
    {
        // Plain static files, not MapStaticAssets: its endpoints (and, in a build's layout, a catch-all route) would sit
        // among the API's routes and turn some of its 405 answers into 404s. asp-append-version versions the URLs, so
        // the files may be cached.
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "public, max-age=86400",
        });
        app.MapRazorPages().Add(endpoint => endpoint.Metadata.Add(WebPageMetadata.Instance));
        app.MapApprovalLive();
        return app;
    }

    /// <summary>
    /// Error answers without a body become an HTML page (<c>/error/{status}</c>, re-executed with the original status)
    /// for web pages, and for a browser asking for a page that does not exist outside the API; everything else keeps
    /// the problem+json of the status code pages registered before this. A branch (UseWhen) cannot re-execute: a
    /// branched pipeline has no routes of its own, so the re-executing middleware is in the main pipeline and is
    /// switched off for the other requests.
    /// </summary>
    public static IApplicationBuilder UseWebErrorPages(this IApplicationBuilder app) => app
        .UseStatusCodePagesWithReExecute("/error/{0}")
        .Use((context, next) =>
        {
            if (!WebPageMetadata.IsWebPage(context) && !(context.GetEndpoint() is null && WantsPage(context.Request))
                && context.Features.Get<IStatusCodePagesFeature>() is { } htmlPages)
            {
                htmlPages.Enabled = false;
            }

            return next(context);
        });

    private static bool WantsPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && !request.Path.StartsWithSegments("/api")
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
