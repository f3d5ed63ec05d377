using Microsoft.OpenApi;

namespace Approvals.Api.Http.OpenApi;

/// <summary>
/// The probes (<c>/healthz</c>, <c>/readyz</c>), which are health-check endpoints rather than handlers the generator
/// reads: public, never rate limited, answered with the health-check middleware's own caching headers.
/// </summary>
internal static class HealthDocumentation
{
    private const string ReportSchema = "HealthReport";

    public static void Add(OpenApiDocument document)
    {
        var status = ParameterTypes.Enum(["Healthy", "Degraded", "Unhealthy"]);
        document.Components!.Schemas![ReportSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "The overall status and each dependency's (`database`, and `broker` when one is configured).",
            Required = new HashSet<string> { "status", "checks" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["status"] = status,
                ["checks"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    AdditionalProperties = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "status" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["status"] = status,
                            ["description"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        },
                    },
                },
            },
        };

        var liveness = new OpenApiMediaType { Schema = ParameterTypes.Enum(["Healthy"]) };
        var report = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ReportSchema, document) };
        document.Paths["/healthz"] = Probe(document, "GetLiveness", "Liveness",
            "Answers 200 while the process runs. It never touches the database, so a database outage restarts nothing.",
            new() { ["200"] = Response(document, "The process runs.", "text/plain", liveness) });
        document.Paths["/readyz"] = Probe(document, "GetReadiness", "Readiness",
            "Whether the service can serve: the database (and the broker, when one is configured) answers. 503 when one does not.",
            new()
            {
                ["200"] = Response(document, "Ready (Healthy or Degraded).", "application/json", report),
                ["503"] = Response(document, "Not ready: a dependency is unreachable.", "application/json", report),
            });
    }

    private static OpenApiPathItem Probe(OpenApiDocument document, string id, string summary, string description, OpenApiResponses responses) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                OperationId = id,
                Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                Summary = summary,
                Description = description,
                Security = [],
                Parameters = [new OpenApiParameterReference(CorrelationId.HeaderName, document)],
                Responses = responses,
            },
        },
    };

    private static OpenApiResponse Response(OpenApiDocument document, string description, string mediaType, OpenApiMediaType content) => new()
    {
        Description = description,
        Headers = new Dictionary<string, IOpenApiHeader>
        {
            [CorrelationId.HeaderName] = new OpenApiHeaderReference(CorrelationId.HeaderName, document),
            ["Pragma"] = new OpenApiHeader { Description = "`no-cache`: probes are never cached.", Schema = ParameterTypes.Enum(["no-cache"]) },
            ["Expires"] = new OpenApiHeader { Description = "A date in the past: probes are never cached.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
        },
        Content = new Dictionary<string, OpenApiMediaType> { [mediaType] = content },
    };

    public static void AddTag(OpenApiDocument document) =>
        (document.Tags ??= new HashSet<OpenApiTag>()).Add(new OpenApiTag { Name = "Health", Description = "Probes for orchestrators and load balancers." });
}
