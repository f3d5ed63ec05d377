using System.Net.Sockets;
using System.Text.Json;
using Approvals.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Approvals.Api.Http;

/// <summary>
/// The one place that turns exceptions into ProblemDetails: bad request bodies become 4xx with a stable code,
/// an unreachable database becomes 503, and only genuine bugs become 500 (without internals).
/// </summary>
internal sealed partial class ApiExceptionHandler(
    IProblemDetailsService problemDetails, IOptions<JsonOptions> jsonOptions, ILogger<ApiExceptionHandler> logger)
    : IExceptionHandler
{
    internal const string WrongType = "The value has the wrong type or format.";
    internal const string UnknownField = "Unknown field.";
    private const string FieldsInvalid = "One or more fields are invalid.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail, fieldErrors) = Classify(exception);
        if (fieldErrors is not null && exception is JsonException or BadHttpRequestException { InnerException: JsonException }
            && await JsonBodyErrors.ReadAllAsync(httpContext, jsonOptions.Value.SerializerOptions, cancellationToken) is { Count: > 1 } all)
        {
            // The deserializer stopped at the body's first bad field; every one of them is reported.
            (detail, fieldErrors) = (FieldsInvalid, all);
        }

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

        // The exception handler cleared the response's headers; the correlation id is echoed on every response.
        if (CorrelationId.Get(httpContext) is { } correlationId)
        {
            httpContext.Response.Headers[CorrelationId.HeaderName] = correlationId;
        }

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
        if (IsWrongType(json) && field is not null)
        {
            return (400, ErrorCodes.ValidationFailed, FieldsInvalid, new Dictionary<string, string[]> { [field] = [WrongType] });
        }

        if (UnknownMemberOf(json) is { } unknown)
        {
            return (400, ErrorCodes.ValidationFailed, "The request has a field this endpoint does not accept.",
                new Dictionary<string, string[]> { [unknown] = [UnknownField] });
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            return (400, ErrorCodes.ValidationFailed, "A required field is missing.", null);
        }

        return (400, ErrorCodes.MalformedJson, field is null
            ? "The request body is not valid JSON."
            : $"The request body is not valid JSON (near '{field}').", null);
    }

    /// <summary>Whether the deserializer met a well-formed value of the wrong type (at <see cref="JsonException.Path"/>).</summary>
    internal static bool IsWrongType(JsonException json) =>
        json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);

    /// <summary>The member the deserializer met that its type does not have, as sent; null when the error is another.</summary>
    internal static string? UnknownMemberOf(JsonException json)
    {
        var message = json.Message;
        if (!message.StartsWith("The JSON property", StringComparison.Ordinal) || !message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return null;
        }

        var start = message.IndexOf('\'', StringComparison.Ordinal) + 1;
        var end = start > 0 ? message.IndexOf('\'', start) : -1;
        return end > start ? message[start..end] : "body";
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
