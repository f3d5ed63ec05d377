using System.Diagnostics;

namespace Approvals.Api.Http;

/// <summary>
/// The id that ties a request to its history rows and logs: the caller's <c>X-Correlation-Id</c> when it is
/// sane, otherwise the trace id. It is echoed on the response.
/// </summary>
internal static class CorrelationId
{
    public const string HeaderName = "X-Correlation-Id";

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var supplied = context.Request.Headers[HeaderName].ToString();
        var id = IsSane(supplied) ? supplied : Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
        context.Items[HeaderName] = id;
        context.Response.Headers[HeaderName] = id;
        return next(context);
    });

    public static string? Get(HttpContext context) => context.Items[HeaderName] as string;

    private static bool IsSane(string value) =>
        value.Length is > 0 and <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
