using System.Reflection;
using System.Runtime.CompilerServices;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.Metadata;

namespace Approvals.Api.Http;

/// <summary>
/// API v1 refuses query parameters a route does not take (<c>?limt=1</c> is a typo, not a default page size): 400
/// <c>request.unknown_query_parameter</c> naming each of them. What a route takes is declared once, by its handler's
/// query parameters, and read once per endpoint; a request pays a comparison per parameter it sends, and nothing
/// without a query. The original routes (and the probes, the OpenAPI document) ignore unknown parameters, as the
/// original did.
/// </summary>
internal static class QueryParameters
{
    public const string StrictPrefix = "/api/v1/";

    private const int MaxReported = 20;

    /// <summary>Runs after routing and authorization: an unauthenticated caller learns nothing about a route's parameters.</summary>
    public static IApplicationBuilder UseUnknownQueryParameterCheck(this IApplicationBuilder app)
    {
        var knownByEndpoint = new ConditionalWeakTable<Endpoint, Known>();
        return app.Use((context, next) =>
        {
            if (!context.Request.QueryString.HasValue || context.GetEndpoint() is not { } endpoint
                || knownByEndpoint.GetValue(endpoint, Known.Of) is not { Names: { } names } known)
            {
                return next(context);
            }

            Dictionary<string, string[]>? unknown = null;
            foreach (var name in context.Request.Query.Keys)
            {
                if (!Known.Takes(names, name) && (unknown ??= new(StringComparer.Ordinal)).Count < MaxReported)
                {
                    unknown[name.Length > 100 ? name[..100] : name] = ["Unknown query parameter."];
                }
            }

            return unknown is null
                ? next(context)
                : Problems.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.UnknownQueryParameter, known.Describe(), unknown);
        });
    }

    /// <summary>The query parameter names an endpoint takes; <see cref="Names"/> is null for a lenient one (not API v1).</summary>
    private sealed class Known(string[]? names)
    {
        private static readonly Known Lenient = new(null);

        public string[]? Names => names;

        public static Known Of(Endpoint endpoint) =>
            endpoint is RouteEndpoint route && route.RoutePattern.RawText?.StartsWith(StrictPrefix, StringComparison.OrdinalIgnoreCase) == true
            && route.Metadata.OfType<MethodInfo>().FirstOrDefault() is { } handler
                ? new Known(NamesOf(handler, route))
                : Lenient;

        /// <summary>Compared as model binding compares them: case-insensitively.</summary>
        public static bool Takes(string[] names, string name)
        {
            foreach (var known in names)
            {
                if (known.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        public string Describe() => names is not { Length: > 0 }
            ? "This route takes no query parameters."
            : $"This route takes only these query parameters: {string.Join(", ", names)}.";

        /// <summary>The handler's parameters bound from the query: those marked so, and simple values the route does not name.</summary>
        private static string[] NamesOf(MethodInfo handler, RouteEndpoint endpoint) =>
        [
            .. handler.GetParameters()
                .Select(parameter => parameter.GetCustomAttributes().OfType<IFromQueryMetadata>().FirstOrDefault() is { } fromQuery
                    ? fromQuery.Name ?? parameter.Name
                    : IsImplicitQuery(parameter, endpoint) ? parameter.Name : null)
                .OfType<string>(),
        ];

        private static bool IsImplicitQuery(ParameterInfo parameter, RouteEndpoint endpoint)
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            var simple = type.IsPrimitive || type == typeof(string) || type == typeof(Guid) || type == typeof(decimal) || type == typeof(DateTimeOffset);
            return simple
                && endpoint.RoutePattern.GetParameter(parameter.Name!) is null
                && !parameter.GetCustomAttributes().Any(a => a is IFromRouteMetadata or IFromHeaderMetadata or IFromBodyMetadata or IFromServiceMetadata);
        }
    }
}
