using System.Globalization;
using Approvals.Domain;
using Microsoft.Net.Http.Headers;

namespace Approvals.Api.Http;

/// <summary>Parses route, query and header values by hand so bad input gets our 400 with the field named.</summary>
internal static class RequestParsing
{
    public static bool TryParseId(string? value, out Guid id) =>
        Guid.TryParse(value, out id);

    public static DomainError InvalidId(string field = "id") =>
        DomainError.Validation(field, "Must be a UUID.");

    /// <summary>Parses an optional non-negative integer within a range, recording an error when it is not one.</summary>
    public static int? ParseInt(string? value, string field, int min, int max, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return number;
        }

        errors.Add(field, $"Must be an integer from {min} to {max}.");
        return null;
    }

    public static bool? ParseBool(string? value, string field, FieldErrors errors)
    {
        switch (value?.ToLowerInvariant())
        {
            case null or "":
                return null;
            case "true" or "1":
                return true;
            case "false" or "0":
                return false;
            default:
                errors.Add(field, "Must be true or false.");
                return null;
        }
    }

    /// <summary>The version an <c>If-Match</c> header names; <c>*</c> or no header means "any version".</summary>
    public static int? ParseIfMatch(HttpRequest request, FieldErrors errors)
    {
        var header = request.Headers.IfMatch.ToString();
        if (header.Length == 0 || header.Trim() == "*")
        {
            return null;
        }

        if (EntityTagHeaderValue.TryParse(header, out var tag)
            && int.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return version;
        }

        errors.Add("If-Match", "Must be an ETag returned by this API, such as \"3\".");
        return null;
    }

    public static string ETagFor(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";
}
