using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Approvals.Api.Http;

/// <summary>
/// 304 Not Modified: the client's <c>If-None-Match</c> holds the current version. No body; the headers a 200 would
/// have carried about the representation (its <c>ETag</c>) are set by the endpoint before it returns this.
/// </summary>
public sealed class NotModified : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public static readonly NotModified Instance = new();

    private NotModified()
    {
    }

    public int? StatusCode => StatusCodes.Status304NotModified;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
        return Task.CompletedTask;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
}
