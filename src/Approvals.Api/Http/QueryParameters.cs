using System.Reflection;
using Approvals.Domain;
using Microsoft.AspNetCore.Http.Metadata;

namespace Approvals.Api.Http;

/// <summary>
/// API v1 refuses query parameters a route does not take (<c>?limt=1</c> is a typo, not a default page size): 400
/// <c>request.unknown_query_parameter</c> naming each of them. What a route takes is its handler's query parameters,
/// read once when the endpoint is built; a request pays a comparison per parameter it sends, and nothing without a
/// query. The original routes ignore unknown parameters, as the original did.
/// </summary>
internal static class QueryParameters
{
    private const int MaxReported = 20;

    /// <summary>Marks the endpoints of <paramref name="builder"/> (a route group: every endpoint in it) as refusing unknown parameters.</summary>
    public static TBuilder RefuseUnknownQueryParameters<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        // Finally: after every other convention, so the handler's MethodInfo and route pattern are known.
        builder.Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault() is { } handler)
            {
                endpoint.Metadata.Add(new Known(NamesOf(handler, endpoint as RouteEndpointBuilder)));
            }
        });
        return builder;
    }

    /// <summary>Runs after routing and authorization: an unauthenticated caller learns nothing about a route's parameters.</summary>
    public static IApplicationBuilder UseUnknownQueryParameterCheck(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (!context.Request.QueryString.HasValue || context.GetEndpoint()?.Metadata.GetMetadata<Known>() is not { } known)
        {
            return next(context);
        }

        Dictionary<string, string[]>? unknown = null;
        foreach (var name in context.Request.Query.Keys)
        {
            if (!known.Takes(name) && (unknown ??= new(StringComparer.Ordinal)).Count < MaxReported)
            {
                unknown[name.Length > 100 ? name[..100] : name] = ["Unknown query parameter."];
            }
        }

        return unknown is null
            ? next(context)
            : Problems.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.UnknownQueryParameter, known.Describe(), unknown);
    });

    /// <summary>The handler's parameters bound from the query: those marked so, and simple values the route does not name.</summary>
    private static string[] NamesOf(MethodInfo handler, RouteEndpointBuilder? route) =>
    [
        .. handler.GetParameters()
            .Select(parameter => parameter.GetCustomAttributes().OfType<IFromQueryMetadata>().FirstOrDefault() is { } fromQuery
                ? fromQuery.Name ?? parameter.Name
                : IsImplicitQuery(parameter, route) ? parameter.Name : null)
            .OfType<string>(),
    ];

    private static bool IsImplicitQuery(ParameterInfo parameter, RouteEndpointBuilder? route)
    {
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        var simple = type.IsPrimitive || type == typeof(string) || type == typeof(Guid) || type == typeof(decimal) || type == typeof(DateTimeOffset);
        return simple
            && route?.RoutePattern.GetParameter(parameter.Name!) is null
            && !parameter.GetCustomAttributes().OfType<IFromRouteMetadata>().Any()
            && !parameter.GetCustomAttributes().OfType<IFromHeaderMetadata>().Any();
    }

    /// <summary>The query parameter names an endpoint takes (compared as model binding does: case-insensitively).</summary>
    private sealed class Known(string[] names)
    {
        public bool Takes(string name)
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

        public string Describe() => names.Length == 0
            ? "This route takes no query parameters."
            : $"This route takes only these query parameters: {string.Join(", ", names)}.";
    }
}
