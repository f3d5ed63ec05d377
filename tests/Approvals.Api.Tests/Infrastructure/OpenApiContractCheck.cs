using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>
/// Checks every response the service under test sends to a route of the OpenAPI document (and to anything under
/// <c>/api/</c>) against the committed document, before it leaves: the response is held in memory, checked, and
/// only then sent. A response the document does not describe throws <see cref="OpenApiContractViolation"/> instead,
/// which the in-memory test server hands to the test's client (and Kestrel turns into an empty 500), so the test that
/// provoked it fails with the operation, the status and what did not match. It sits first in the pipeline, so it sees
/// the answers of every middleware (authentication, rate limiting, unknown routes) as the client does. Web pages and
/// their streams are not API and pass untouched.
/// </summary>
internal sealed class OpenApiContractCheck : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(CheckAsync);
        next(app);
    };

    private static async Task CheckAsync(HttpContext context, RequestDelegate next)
    {
        var contract = OpenApiContract.Committed;
        if (!contract.Covers(context.Request.Path.Value ?? "/"))
        {
            await next(context);
            return;
        }

        var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        using var buffer = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(original);
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            return; // nobody is waiting for this answer
        }

        var response = context.Response;
        var headers = response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedResponse(context.Request.Method, context.Request.Path.Value ?? "/", response.StatusCode, headers, response.ContentType, buffer.ToArray());
        if (contract.Check(recorded) is { } violation)
        {
            throw new OpenApiContractViolation(violation);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original.Stream, context.RequestAborted);
    }
}

/// <summary>A response that the committed OpenAPI document does not describe.</summary>
public sealed class OpenApiContractViolation(string message) : Exception("The response contradicts docs/openapi/v1.json: " + message);
