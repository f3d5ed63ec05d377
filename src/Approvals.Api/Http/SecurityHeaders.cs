namespace Approvals.Api.Http;

/// <summary>
/// Headers that make responses safe to show in a browser: no sniffing, no framing, no referrer, nothing cached
/// (responses carry approvals, tokens and keys), and a content security policy that allows nothing but what the
/// Swagger UI and the web pages need on their own pages.
/// </summary>
internal static class SecurityHeaders
{
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    // Swagger UI's page loads its own scripts and styles and sets a few inline styles; it calls this origin only.
    private const string SwaggerUiPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

    // The web pages load their own scripts and styles only: no inline script or style, no other origin, forms post
    // back to this origin (and are redirected to the identity provider's, if any), and the live updates
    // (EventSource) connect to it.
    private const string WebPagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <param name="providerOrigin">
    /// The identity provider's origin when people sign in there: the sign-in form's post, and the sign-out form's on
    /// every page, are answered with a redirect to it, which form-action governs too; null otherwise.
    /// </param>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, string? providerOrigin)
    {
        var webPagePolicy = providerOrigin is null
            ? WebPagePolicy
            : WebPagePolicy.Replace("form-action 'self'", $"form-action 'self' {providerOrigin}", StringComparison.Ordinal);
        return app.Use((context, next) => Apply(context, next, webPagePolicy));
    }

    private static Task Apply(HttpContext context, RequestDelegate next, string webPagePolicy)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers.ContentSecurityPolicy = WebPageMetadata.IsWebPage(context) ? webPagePolicy
                : context.Request.Path.StartsWithSegments("/swagger") ? SwaggerUiPolicy
                : ApiPolicy;
            if (headers.CacheControl.Count == 0)
            {
                headers.CacheControl = "no-store";
            }

            if (context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
