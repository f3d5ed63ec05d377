using Microsoft.AspNetCore.Http.Features;

namespace Approvals.Api.Http;

/// <summary>
/// <c>HEAD</c> on every <c>GET</c> route (RFC 9110 §9.3.2): the request is routed and answered as the GET it mirrors,
/// so it gets the same status and headers, conditional requests and authorization included, and its body is
/// discarded. Serving it here rather than in each route's metadata covers the routes that are not endpoints of ours
/// (health checks, the OpenAPI document, Swagger UI) and keeps HEAD out of the OpenAPI document's operations.
/// </summary>
internal static class HeadRequests
{
    /// <summary>Runs before routing; every other request passes with one comparison.</summary>
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        var body = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null, body));
        context.Request.Method = HttpMethods.Get;
        try
        {
            await next(context);
        }
        finally
        {
            // Logs and metrics written after the pipeline see the method the client sent.
            context.Request.Method = HttpMethods.Head;
            context.Features.Set(body);
        }
    });

    /// <summary>
    /// The methods a 405's <c>Allow</c> header names, with HEAD wherever GET is allowed: routing lists the methods
    /// routes were mapped with, and HEAD is served for all of them here rather than mapped.
    /// </summary>
    public static void AddHeadToAllow(HttpResponse response)
    {
        var allow = response.Headers.Allow.ToString();
        var methods = allow.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase) && !methods.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase))
        {
            response.Headers.Allow = string.Join(", ", methods.Append(HttpMethods.Head).Order(StringComparer.Ordinal));
        }
    }
}
