using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Testing;
using Json.Pointer;
using Json.Schema;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>One response as the service sent it, for <see cref="OpenApiContract.Check"/>.</summary>
public sealed record RecordedResponse(
    string Method, string Path, int Status, IReadOnlyDictionary<string, string> Headers, string? ContentType, byte[] Body);

/// <summary>
/// The committed OpenAPI document as a contract: whether a response is one the document describes for its operation
/// (status listed, every header listed, the body valid against the response's schema). Every response of the
/// integration tests passes through <see cref="Check"/> (<see cref="OpenApiContractCheck"/>), so the document and the
/// server cannot drift apart unnoticed.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly Lazy<OpenApiContract> CommittedDocument = new(() =>
        new OpenApiContract(JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf("docs/openapi/v1.json")))!.AsObject()));

    /// <summary>
    /// Headers every response may carry whatever its operation, described once in the document's introduction
    /// rather than on each response: framing, caching and the browser-safety headers.
    /// </summary>
    private static readonly HashSet<string> GenericHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Length", "Date", "Server", "Transfer-Encoding", "Connection", "Keep-Alive", "Cache-Control",
        "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy", "Content-Security-Policy", "Strict-Transport-Security",
    };


    private readonly JsonObject _document;
    private readonly Uri _baseUri = new($"https://approvals.test/openapi/{Guid.NewGuid():N}.json");
    private readonly EvaluationOptions _options;
    private readonly List<(string Template, string[] Segments)> _paths;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonSchema> _compiled = new(StringComparer.Ordinal);

    public OpenApiContract(JsonObject document)
    {
        _document = document;
        _options = new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        };
        _options.SchemaRegistry.Register(_baseUri, new JsonNodeBaseDocument(document, _baseUri));
        _paths = [.. document["paths"]!.AsObject().Select(p => (p.Key, p.Key.Trim('/').Split('/')))];
    }

    public static OpenApiContract Committed => CommittedDocument.Value;

    /// <summary>Whether a request to this path may be one of the document's operations (and so is checked).</summary>
    public bool Covers(string path) => path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) || TemplateOf(path) is not null;

    /// <summary>What is wrong with the response for the document; null when the document describes it.</summary>
    public string? Check(RecordedResponse response)
    {
        var template = TemplateOf(response.Path);
        var where = $"{response.Method} {response.Path} → {response.Status}";
        if (template is null)
        {
            // An unknown route's 404 is no operation's; any other answer under /api/ comes from a route the document lacks.
            return response.Status == 404 ? null : $"{where}: no path of the OpenAPI document matches this route.";
        }

        var method = response.Method.ToLowerInvariant();
        var pathItem = _document["paths"]![template]!.AsObject();
        var isHead = method == "head";
        var operationMethod = isHead && pathItem["head"] is null ? "get" : method;
        if (pathItem[operationMethod] is not JsonObject operation)
        {
            return response.Status == 405 ? null : $"{where}: the OpenAPI document has no {response.Method} operation on {template}.";
        }

        var operationName = $"{operationMethod.ToUpperInvariant()} {template} ({operation["operationId"]})";
        var statusKey = response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Resolve(operation["responses"]?[statusKey]) is not JsonObject documented)
        {
            var listed = string.Join(", ", operation["responses"]?.AsObject().Select(r => r.Key) ?? []);
            return $"{where}: status {response.Status} is not listed for {operationName} (listed: {listed}).{Describe(response)}";
        }

        var problems = new List<string>();
        CheckHeaders(response, documented, problems);
        if (!isHead)
        {
            CheckBody(response, documented, problems);
        }

        return problems.Count == 0 ? null : $"{where} does not match {operationName}:\n  {string.Join("\n  ", problems)}{Describe(response)}";
    }

    /// <summary>What is wrong with a webhook request the service sent, for the document's <c>webhooks</c> entry; null when nothing is.</summary>
    public string? CheckWebhook(string webhook, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        if (_document["webhooks"]?[webhook]?["post"] is not JsonObject operation)
        {
            return $"The OpenAPI document has no webhook '{webhook}'.";
        }

        var problems = new List<string>();
        foreach (var parameter in operation["parameters"]?.AsArray().Select(p => Resolve(p)!.AsObject()) ?? [])
        {
            var name = (string)parameter["name"]!;
            if (!headers.TryGetValue(name, out var value))
            {
                if (parameter["required"]?.GetValue<bool>() == true)
                {
                    problems.Add($"required header {name} is missing.");
                }
            }
            else if (parameter["schema"] is JsonObject schema && Evaluate(HeaderValue(value, schema), schema) is { } error)
            {
                problems.Add($"header {name} ({value}) does not match its schema: {error}");
            }
        }

        var media = operation["requestBody"]?["content"]?["application/json"]?["schema"]?.AsObject();
        if (media is null)
        {
            problems.Add("the webhook's body is not described as application/json.");
        }
        else if (Evaluate(JsonNode.Parse(body), media) is { } error)
        {
            problems.Add($"the body does not match the schema: {error}");
        }

        return problems.Count == 0 ? null : $"webhook {webhook}:\n  {string.Join("\n  ", problems)}\n  body: {Truncate(System.Text.Encoding.UTF8.GetString(body))}";
    }

    private void CheckHeaders(RecordedResponse response, JsonObject documented, List<string> problems)
    {
        var headers = documented["headers"]?.AsObject().ToDictionary(h => h.Key, h => Resolve(h.Value)!.AsObject(), StringComparer.OrdinalIgnoreCase)
            ?? new Dictionary<string, JsonObject>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in response.Headers)
        {
            if (GenericHeaders.Contains(name))
            {
                continue;
            }

            if (!headers.TryGetValue(name, out var header))
            {
                problems.Add($"header {name} ({value}) is not listed for this status.");
            }
            else if (header["schema"] is JsonObject schema && Evaluate(HeaderValue(value, schema), schema) is { } error)
            {
                problems.Add($"header {name} ({value}) does not match its schema: {error}");
            }
        }

        foreach (var (name, header) in headers)
        {
            if (header["required"]?.GetValue<bool>() == true && !response.Headers.ContainsKey(name))
            {
                problems.Add($"required header {name} is missing.");
            }
        }
    }

    private void CheckBody(RecordedResponse response, JsonObject documented, List<string> problems)
    {
        var content = documented["content"]?.AsObject();
        if (response.Body.Length == 0)
        {
            if (content is { Count: > 0 })
            {
                problems.Add($"the body is empty, but the document describes one ({string.Join(", ", content.Select(c => c.Key))}).");
            }

            return;
        }

        var mediaType = response.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        if (content?[mediaType] is not JsonObject media)
        {
            problems.Add($"a body of type '{mediaType}' is not described (described: {string.Join(", ", content?.Select(c => c.Key) ?? [])}).");
            return;
        }

        if (!mediaType.EndsWith("json", StringComparison.Ordinal) || media["schema"] is null)
        {
            return;
        }

        JsonNode? body;
        try
        {
            body = JsonNode.Parse(response.Body);
        }
        catch (JsonException e)
        {
            problems.Add($"the body is not JSON: {e.Message}");
            return;
        }

        if (Evaluate(body, media["schema"]!.AsObject()) is { } error)
        {
            problems.Add($"the body does not match the schema: {error}");
        }
    }

    private string? Evaluate(JsonNode? instance, JsonObject schema)
    {
        // The document's references (#/components/...) are resolved in the registered document.
        var text = schema.ToJsonString().Replace("\"$ref\":\"#/", $"\"$ref\":\"{_baseUri}#/", StringComparison.Ordinal);
        var results = _compiled.GetOrAdd(text, JsonSchema.FromText).Evaluate(instance, _options);
        if (results.IsValid)
        {
            return null;
        }

        var errors = (results.Details.Count > 0 ? results.Details : [results])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.Count == 0 ? "(root)" : d.InstanceLocation.ToString())}: {e.Value} [{d.EvaluationPath}]"))
            .Distinct()
            .Take(8);
        return string.Join("; ", errors);
    }

    /// <summary>A header value as the JSON its schema describes: a number where the schema wants one.</summary>
    private static JsonNode? HeaderValue(string value, JsonObject schema) =>
        schema["type"]?.GetValue<string>() is "integer" or "number" && decimal.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(value);

    /// <summary>The document's path template that matches the path, literal segments winning over parameters.</summary>
    private string? TemplateOf(string path)
    {
        var segments = path.Trim('/').Split('/');
        return _paths
            .Where(p => p.Segments.Length == segments.Length
                && p.Segments.Zip(segments).All(s => IsParameter(s.First) ? s.Second.Length > 0 : s.First.Equals(s.Second, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(p => p.Segments.Count(IsParameter))
            .Select(p => p.Template)
            .FirstOrDefault();
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{') && segment.EndsWith('}');

    private JsonNode? Resolve(JsonNode? node) =>
        node?["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith('#')
            ? Resolve(JsonPointer.Parse(reference[1..]).TryEvaluate(_document, out var target) ? target : null)
            : node;

    private static string Describe(RecordedResponse response) =>
        response.Body.Length == 0 ? "" : $"\n  body: {Truncate(System.Text.Encoding.UTF8.GetString(response.Body))}";

    private static string Truncate(string text) => text.Length <= 600 ? text : text[..600] + "…";
}
