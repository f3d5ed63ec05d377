using System.Net.Sockets;
using System.Text.Json;
using Approvals.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Http;

/// <summary>
/// The one place that turns exceptions into ProblemDetails: bad request bodies become 4xx with a stable code,
/// an unreachable database becomes 503, and only genuine bugs become 500 (without internals).
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail, fieldErrors) = Classify(exception);
        if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
        {
            LogUnhandled(logger, exception);
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogDatabaseUnavailable(logger, exception.GetType().Name);
            httpContext.Response.Headers.RetryAfter = "5";
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = status,
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        }.WithFieldErrors(fieldErrors));
    }

    internal static (int Status, string Code, string Detail, IReadOnlyDictionary<string, string[]>? FieldErrors) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException { InnerException: JsonException json } => ClassifyJson(json),
        JsonException json => ClassifyJson(json),
        BadHttpRequestException { StatusCode: 413 } =>
            (413, ErrorCodes.PayloadTooLarge, "The request body is too large.", null),
        BadHttpRequestException { StatusCode: 415 } =>
            (415, ErrorCodes.UnsupportedMediaType, "The request body must be JSON (Content-Type: application/json).", null),
        BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
            (400, ErrorCodes.MalformedJson, "The request body is missing or is not valid JSON.", null),
        BadHttpRequestException bad =>
            (bad.StatusCode, Problems.DefaultCodeFor(bad.StatusCode), "The request is not valid.", null),
        _ when IsDatabaseUnavailable(exception) =>
            (503, ErrorCodes.ServiceUnavailable, "The database is unavailable; try again shortly.", null),
        OperationCanceledException =>
            (499, "request.cancelled", "The request was cancelled.", null),
        _ => (500, ErrorCodes.Internal, "An unexpected error occurred.", null),
    };

    /// <summary>True when the failure is the database being unreachable rather than a bug.</summary>
    internal static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case NpgsqlException { IsTransient: true }:
                case PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" }:
                case SocketException:
                case TimeoutException:
                    return true;
                case InvalidOperationException when current.Message.Contains("transient failure", StringComparison.OrdinalIgnoreCase):
                    return true;
                case DbUpdateException when current.InnerException is null:
                    return false;
                default:
                    break;
            }
        }

        return false;
    }

    // Syntax errors are malformed JSON; well-formed JSON with a wrong type or an unknown member is a validation
    // failure of that field. The parser's own message can leak internals, so only the field path is echoed.
    private static (int, string, string, IReadOnlyDictionary<string, string[]>?) ClassifyJson(JsonException json)
    {
        var message = json.Message;
        var field = FieldName(json.Path);
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) && field is not null)
        {
            return (400, ErrorCodes.ValidationFailed, "One or more fields are invalid.",
                new Dictionary<string, string[]> { [field] = ["The value has the wrong type or format."] });
        }

        if (message.StartsWith("The JSON property", StringComparison.Ordinal) && message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var start = message.IndexOf('\'', StringComparison.Ordinal) + 1;
            var end = start > 0 ? message.IndexOf('\'', start) : -1;
            var unknown = end > start ? message[start..end] : "body";
            return (400, ErrorCodes.ValidationFailed, "The request has a field this endpoint does not accept.",
                new Dictionary<string, string[]> { [unknown] = ["Unknown field."] });
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            return (400, ErrorCodes.ValidationFailed, "A required field is missing.", null);
        }

        return (400, ErrorCodes.MalformedJson, field is null
            ? "The request body is not valid JSON."
            : $"The request body is not valid JSON (near '{field}').", null);
    }

    private static string? FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return trimmed.Length > 100 ? trimmed[..100] : trimmed;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable ({ExceptionType}); answering 503")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string exceptionType);
}

internal static class ProblemDetailsContextExtensions
{
    public static ProblemDetailsContext WithFieldErrors(this ProblemDetailsContext context, IReadOnlyDictionary<string, string[]>? fieldErrors)
    {
        if (fieldErrors is { Count: > 0 })
        {
            context.ProblemDetails.Extensions["errors"] = fieldErrors;
        }

        return context;
    }
}
