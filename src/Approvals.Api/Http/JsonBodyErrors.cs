using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

namespace Approvals.Api.Http;

/// <summary>
/// Every field error of a typed JSON body at once. The deserializer stops at the first value of a wrong type or
/// unknown member; when it has, the body is read a second time, member by member against the endpoint's body type, so
/// that one answer names every bad field. Only the failing request pays for the second reading; every request with a
/// typed body pays for keeping its body (at most 64 KB, in memory) until then.
/// </summary>
internal static class JsonBodyErrors
{
    private const int MaxReported = 100;

    /// <summary>Whether the endpoint binds a typed JSON body, whose first error would hide the others (a JsonElement body has none).</summary>
    public static bool BindsTypedBody(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } type && type != typeof(JsonElement);

    /// <summary>
    /// The field errors of the body of a request that failed to bind, read again; null when it cannot be (not kept,
    /// unreadable): the first error then stands alone.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string[]>?> ReadAllAsync(
        HttpContext context, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        // The exception handler has cleared the request's endpoint; its feature keeps the one that failed.
        var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        var body = context.Request.Body;
        if (endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is not { } type || !body.CanSeek)
        {
            return null;
        }

        try
        {
            body.Position = 0;
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy, cancellationToken);
            return Collect(copy.GetBuffer().AsMemory(0, (int)copy.Length), options.GetTypeInfo(type), options);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or IOException or BadHttpRequestException)
        {
            // Not readable a second time (the rest of the body over the limit, text that is not Unicode): the
            // deserializer's first error is the answer.
            return null;
        }
    }

    private static Dictionary<string, string[]>? Collect(ReadOnlyMemory<byte> body, JsonTypeInfo typeInfo, JsonSerializerOptions options)
    {
        using var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Object || typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return null;
        }

        var refusesUnknown = (typeInfo.UnmappedMemberHandling ?? options.UnmappedMemberHandling) == JsonUnmappedMemberHandling.Disallow;
        var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var member in document.RootElement.EnumerateObject())
        {
            if (errors.Count == MaxReported)
            {
                break;
            }

            var property = typeInfo.Properties.FirstOrDefault(p => p.Name.Equals(member.Name, comparison));
            if (property is null)
            {
                if (refusesUnknown)
                {
                    errors[Shorten(member.Name)] = [ApiExceptionHandler.UnknownField];
                }
            }
            else if (ErrorIn(member.Value, property.PropertyType, options) is { } error)
            {
                errors[Shorten(member.Name + error.Path)] = [error.Message];
            }
        }

        return errors;
    }

    /// <summary>The first error in one member's value, at its path within the value (<c>[1]</c>, <c>.mode</c>, or empty).</summary>
    private static (string Path, string Message)? ErrorIn(JsonElement value, Type type, JsonSerializerOptions options)
    {
        try
        {
            value.Deserialize(type, options);
            return null;
        }
        catch (JsonException json)
        {
            // The path ends at the bad value, or at the unknown member itself.
            var path = json.Path is { Length: > 0 } p && p[0] == '$' ? p[1..] : "";
            return ApiExceptionHandler.UnknownMemberOf(json) is { } unknown
                ? (path.EndsWith(unknown, StringComparison.Ordinal) ? path : $"{path}.{unknown}", ApiExceptionHandler.UnknownField)
                : (path, ApiExceptionHandler.WrongType);
        }
        catch (InvalidOperationException)
        {
            // Text that is not Unicode (invalid UTF-8, a lone surrogate escape), as the first reading reports it.
            return ("", ApiExceptionHandler.WrongType);
        }
    }

    private static string Shorten(string field) => field.Length > 100 ? field[..100] : field;
}
