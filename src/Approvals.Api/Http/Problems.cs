using Approvals.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace Approvals.Api.Http;

/// <summary>Turns every error into an RFC 9457 ProblemDetails with a stable <c>code</c> extension.</summary>
public static class Problems
{
    public static int StatusFor(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        ErrorKind.Gone => StatusCodes.Status410Gone,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The code used when a problem is raised by the framework rather than by our code.</summary>
    public static string DefaultCodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ErrorCodes.ValidationFailed,
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthenticated,
        StatusCodes.Status403Forbidden => ErrorCodes.Forbidden,
        StatusCodes.Status404NotFound => ErrorCodes.RouteNotFound,
        StatusCodes.Status405MethodNotAllowed => ErrorCodes.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ErrorCodes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ErrorCodes.UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => ErrorCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ErrorCodes.ServiceUnavailable,
        _ => ErrorCodes.Internal,
    };

    /// <summary>
    /// The detail of a problem raised without one: the statuses the framework sets by itself (no route, a method or a
    /// media type the route does not take) say what to do instead; any other status at least says what it means.
    /// </summary>
    public static string DefaultDetailFor(HttpContext context, int status) => status switch
    {
        StatusCodes.Status404NotFound => "No route matches this path; the routes are listed in /openapi/v1.json.",
        StatusCodes.Status405MethodNotAllowed => context.Response.Headers.Allow is { Count: > 0 } allow
            ? $"This route does not take {context.Request.Method}; it takes {allow}."
            : $"This route does not take {context.Request.Method}.",
        StatusCodes.Status415UnsupportedMediaType => "This route does not take a body of this Content-Type; send JSON (Content-Type: application/json).",
        _ => $"{(ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "The request failed")} (HTTP {status}).",
    };

    /// <summary>
    /// The body of a response the framework ended with an error status and nothing else (no route, 405, 415): a
    /// problem with its code and detail, or the detail as text when the client accepts no JSON.
    /// </summary>
    public static async Task WriteStatusCodePageAsync(StatusCodeContext statusCodeContext)
    {
        var context = statusCodeContext.HttpContext;
        var status = context.Response.StatusCode;
        if (status == StatusCodes.Status405MethodNotAllowed)
        {
            HeadRequests.AddHeadToAllow(context.Response);
        }

        var detail = DefaultDetailFor(context, status);
        var written = await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail, Extensions = { ["code"] = DefaultCodeFor(status) } },
        });
        if (!written)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(detail);
        }
    }

    public static ProblemHttpResult ToProblem(this DomainError error)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (error.FieldErrors is { Count: > 0 } fieldErrors)
        {
            extensions["errors"] = fieldErrors;
        }

        return TypedResults.Problem(detail: error.Message, statusCode: StatusFor(error.Kind), extensions: extensions);
    }

    /// <summary>Writes a problem from middleware, where there is no endpoint result to return.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string detail, IReadOnlyDictionary<string, string[]>? fieldErrors = null)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = status,
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        }.WithFieldErrors(fieldErrors));
    }

    public static DomainError ApprovalNotFound(Guid id) =>
        new(ErrorCodes.ApprovalNotFound, $"Approval '{id}' does not exist.");

    public static DomainError ApprovalNotFound(string id) =>
        new(ErrorCodes.ApprovalNotFound, $"Approval '{id}' does not exist.");
}
