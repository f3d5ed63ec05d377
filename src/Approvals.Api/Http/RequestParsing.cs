using System.Globalization;
using Approvals.Domain;
using Microsoft.Extensions.Primitives;
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

    /// <summary>
    /// The versions an <c>If-Match</c> header allows a change to apply to; null (no condition) without the header or
    /// with <c>*</c>, since the approval exists whenever the condition is looked at. The comparison is strong
    /// (RFC 9110 §13.1.1): a weak tag never matches, so a list of weak tags alone allows no version.
    /// </summary>
    public static ExpectedVersions? ParseIfMatch(HttpRequest request, FieldErrors errors)
    {
        if (!TryParseVersionTags(request.Headers.IfMatch, "If-Match", errors, out var any, out var tags) || any)
        {
            return null;
        }

        return new ExpectedVersions([.. tags.Where(t => !t.Weak).Select(t => t.Version)]);
    }

    /// <summary>
    /// The versions an <c>If-None-Match</c> header says the client holds; null without the header. The comparison
    /// is weak (RFC 9110 §13.1.2): <c>W/"3"</c> holds version 3 as <c>"3"</c> does, and <c>*</c> holds any.
    /// </summary>
    public static HeldVersions? ParseIfNoneMatch(HttpRequest request, FieldErrors errors) =>
        TryParseVersionTags(request.Headers.IfNoneMatch, "If-None-Match", errors, out var any, out var tags)
            ? new HeldVersions(any, [.. tags.Select(t => t.Version)])
            : null;

    /// <summary>
    /// Reads <c>*</c> or a list of this API's entity tags (<c>"3"</c>, <c>W/"3"</c>); false when the header is
    /// absent or empty, and false with an error when it is anything else.
    /// </summary>
    private static bool TryParseVersionTags(StringValues header, string name, FieldErrors errors, out bool any, out List<(int Version, bool Weak)> tags)
    {
        any = false;
        tags = [];
        if (header.Count == 0 || string.IsNullOrWhiteSpace(header.ToString()))
        {
            return false;
        }

        if (EntityTagHeaderValue.TryParseStrictList(header, out var parsed) && parsed.Count > 0)
        {
            foreach (var tag in parsed)
            {
                if (tag.Equals(EntityTagHeaderValue.Any))
                {
                    any = true;
                }
                else if (TryReadVersion(tag.Tag.AsSpan()[1..^1], out var version))
                {
                    tags.Add((version, tag.IsWeak));
                }
                else
                {
                    break;
                }
            }

            // "*" stands alone; every other tag must be one this API issued.
            if (any ? parsed.Count == 1 : tags.Count == parsed.Count)
            {
                return true;
            }
        }

        errors.Add(name, "Must be * or a list of ETags returned by this API, such as \"3\" or \"3\", \"4\".");
        any = false;
        tags.Clear();
        return false;
    }

    /// <summary>The version an ETag's opaque part names, as <see cref="ETagFor"/> writes it: tags compare as strings, so "01" names none.</summary>
    private static bool TryReadVersion(ReadOnlySpan<char> opaque, out int version)
    {
        version = 0;
        return (opaque.Length == 1 || (opaque.Length > 1 && opaque[0] != '0'))
            && int.TryParse(opaque, NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    public static string ETagFor(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";
}

/// <summary>The versions of a resource a client holds, from its <c>If-None-Match</c> header.</summary>
internal sealed class HeldVersions(bool any, int[] versions)
{
    public bool Includes(int version) => any || Array.IndexOf(versions, version) >= 0;
}
