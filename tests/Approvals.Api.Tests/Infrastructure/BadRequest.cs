namespace Approvals.Api.Tests.Infrastructure;

/// <summary>One bad request and the exact answer the API owes it: a 4xx ProblemDetails with this status and code.</summary>
public sealed record BadRequest(string Route, string Name, HttpMethod Method, string Path, int Status, string Code)
{
    public const string Json = "application/json";

    /// <summary>The raw body; null sends none.</summary>
    public byte[]? Body { get; init; }

    /// <summary>The Content-Type of <see cref="Body"/>; null sends none.</summary>
    public string? ContentType { get; init; } = Json;

    /// <summary>The fields the problem's <c>errors</c> must name, exactly; null when any may.</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>Header overrides; a null value removes the header (used for the credentials).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Headers { get; init; } = [];

    public HttpRequestMessage ToRequest(string apiKey)
    {
        var request = new HttpRequestMessage(Method, Path);
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                // Unvalidated, so that malformed media types can be sent too.
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        var headers = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Authorization"] = apiKey };
        foreach (var (name, value) in Headers)
        {
            headers[name] = value;
        }

        foreach (var (name, value) in headers)
        {
            if (value is not null)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    public override string ToString() => $"{Method} {(Path.Length > 120 ? Path[..120] + "..." : Path)} [{Name}]";
}
