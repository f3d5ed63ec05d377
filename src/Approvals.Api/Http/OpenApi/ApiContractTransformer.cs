using System.Globalization;
using Approvals.Domain;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Approvals.Api.Http.OpenApi;

/// <summary>
/// Completes the generated document with what the handlers' signatures cannot say: each operation's purpose
/// (<see cref="OperationContracts"/>), every problem it can answer with and its stable codes, the headers it reads and
/// sends, its parameters' real types, HEAD where a client checks a version without the body, and the webhooks the
/// service sends (<see cref="WebhookDocumentation"/>). Request bodies are made as strict as the server
/// (<see cref="RequestSchemas"/>).
/// </summary>
internal sealed class ApiContractTransformer(IConfiguration configuration) : IOpenApiDocumentTransformer
{
    private const string ProblemSchema = "Problem";
    private const string ProblemJson = "application/problem+json";

    /// <summary>Problems any operation can answer with, whatever it does: the request's size and type, the rate limit, the database, a bug.</summary>
    private static readonly string[] EveryOperation = [ErrorCodes.PayloadTooLarge, ErrorCodes.UnsupportedMediaType, ErrorCodes.RateLimited, ErrorCodes.Internal, ErrorCodes.ServiceUnavailable];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Contact = new OpenApiContact
        {
            Name = configuration["OpenApi:Contact:Name"] ?? "The Approvals maintainers",
            Email = configuration["OpenApi:Contact:Email"],
            Url = configuration["OpenApi:Contact:Url"] is { Length: > 0 } url ? new Uri(url) : null,
        };
        document.Info.Description += " Every response carries `X-Correlation-Id` (the caller's, when it sent a sane one) and the browser-safety headers "
            + "(`Cache-Control: no-store`, `Content-Security-Policy`, `X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy`, "
            + "`Cross-Origin-Opener-Policy`, `Cross-Origin-Resource-Policy`). `HEAD` works on every `GET` route: the GET's status and headers, no body. "
            + "Errors are RFC 9457 problems (`application/problem+json`) with a stable `code`; each response lists the codes it can carry.";

        // Relative to wherever the document is served from, so that it is the same on every host.
        document.Servers = [new OpenApiServer { Url = "/" }];
        document.Components ??= new OpenApiComponents();
        AddComponents(document);
        RequestSchemas.Apply(document);
        WebhookDocumentation.Add(document);

        foreach (var (path, item) in document.Paths)
        {
            foreach (var operation in (item.Operations ?? []).Values)
            {
                Describe(document, path, operation);
            }

            if (path == "/api/v1/approvals/{id}" && item is OpenApiPathItem pathItem && pathItem.Operations![HttpMethod.Get] is { } get)
            {
                pathItem.Operations[HttpMethod.Head] = HeadOf(document, get);
            }
        }

        HealthDocumentation.Add(document);
        HealthDocumentation.AddTag(document);
        return Task.CompletedTask;
    }

    private static void Describe(OpenApiDocument document, string path, OpenApiOperation operation)
    {
        var id = operation.OperationId ?? throw new InvalidOperationException($"An operation on {path} has no name (WithName).");
        var contract = OperationContracts.Find(id)
            ?? throw new InvalidOperationException($"The operation {id} has no OperationContract: say what it is for and what it can answer.");
        operation.Summary = contract.Summary;
        operation.Description = contract.Description;

        // What the route validates: its ids and query, its conditional and idempotency headers, its body.
        var validates = operation.Parameters is { Count: > 0 } || contract.RequestHeaders.Length > 0 || operation.RequestBody is not null;
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            var type = contract.Parameters.GetValueOrDefault(parameter.Name!)
                ?? (parameter.Name == "id" && contract.IntegerId ? ParameterTypes.ServiceRuleId : ParameterTypes.Find(parameter.Name!));
            if (type is not null)
            {
                parameter.Description = type.Description;
                parameter.Schema = type.Schema();
                if (type.CommaSeparated)
                {
                    (parameter.Style, parameter.Explode) = (ParameterStyle.Form, false);
                }
            }
        }

        operation.Parameters ??= [];
        foreach (var header in contract.RequestHeaders.Append(CorrelationId.HeaderName))
        {
            operation.Parameters.Add(new OpenApiParameterReference(header, document));
        }

        operation.Responses ??= [];
        foreach (var (status, response) in operation.Responses)
        {
            if (response is OpenApiResponse success)
            {
                success.Headers ??= new Dictionary<string, IOpenApiHeader>();
                foreach (var header in contract.SuccessHeaders.GetValueOrDefault(int.Parse(status, CultureInfo.InvariantCulture), []).Append(CorrelationId.HeaderName))
                {
                    success.Headers[header] = new OpenApiHeaderReference(header, document);
                }
            }
        }

        var anonymous = operation.Security is { Count: 0 };
        var codes = new List<string>(contract.Codes);
        codes.AddRange(EveryOperation);
        if (!anonymous)
        {
            codes.AddRange([ErrorCodes.Unauthenticated, ErrorCodes.Forbidden, ErrorCodes.PasswordChangeRequired]);
        }

        if (path.StartsWith(QueryParameters.StrictPrefix, StringComparison.Ordinal))
        {
            codes.Add(ErrorCodes.UnknownQueryParameter);
        }

        if (validates)
        {
            codes.Add(ErrorCodes.ValidationFailed);
        }

        if (operation.RequestBody is not null)
        {
            codes.Add(ErrorCodes.MalformedJson);
        }

        foreach (var byStatus in codes.Distinct().GroupBy(ProblemCodes.StatusOf).OrderBy(g => g.Key))
        {
            operation.Responses[byStatus.Key.ToString(CultureInfo.InvariantCulture)] = ProblemResponse(document, byStatus.Key, [.. byStatus.Order(StringComparer.Ordinal)]);
        }
    }

    /// <summary>A problem response; one that carries a single code is the same everywhere, so it is written once, named by its code.</summary>
    private static IOpenApiResponse ProblemResponse(OpenApiDocument document, int status, string[] codes)
    {
        if (codes is not [var code])
        {
            return NewProblemResponse(document, status, codes);
        }

        document.Components!.Responses ??= new Dictionary<string, IOpenApiResponse>();
        document.Components.Responses.TryAdd(code, NewProblemResponse(document, status, codes));
        return new OpenApiResponseReference(code, document);
    }

    private static OpenApiResponse NewProblemResponse(OpenApiDocument document, int status, string[] codes)
    {
        var headers = new Dictionary<string, IOpenApiHeader> { [CorrelationId.HeaderName] = new OpenApiHeaderReference(CorrelationId.HeaderName, document) };
        if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            headers["Retry-After"] = new OpenApiHeaderReference("Retry-After", document);
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            headers["WWW-Authenticate"] = new OpenApiHeaderReference("WWW-Authenticate", document);
        }

        return new OpenApiResponse
        {
            Description = $"{ReasonPhrases.GetReasonPhrase(status)}: {string.Join(", ", codes.Select(c => $"`{c}`"))}.",
            Headers = headers,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        AllOf =
                        [
                            new OpenApiSchemaReference(ProblemSchema, document),
                            new OpenApiSchema
                            {
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Enum = [System.Text.Json.Nodes.JsonValue.Create(status)] },
                                    ["code"] = ParameterTypes.Enum(codes),
                                },
                            },
                        ],
                    },
                },
            },
        };
    }

    /// <summary>The HEAD twin of a GET: the same parameters, statuses and headers, no body.</summary>
    private static OpenApiOperation HeadOf(OpenApiDocument document, OpenApiOperation get) => new()
    {
        OperationId = "Head" + get.OperationId![3..],
        Tags = get.Tags,
        Summary = "Check an approval's version",
        Description = "The GET's status and headers (its `ETag` among them) without the body: whether the approval exists and which version it is.",
        Parameters = get.Parameters,
        Responses = WithoutBodies(document, get.Responses!),
    };

    private static OpenApiResponses WithoutBodies(OpenApiDocument document, OpenApiResponses responses)
    {
        var heads = new OpenApiResponses();
        foreach (var (status, response) in responses)
        {
            var target = response is OpenApiResponseReference reference ? document.Components!.Responses![reference.Reference.Id!] : response;
            heads[status] = new OpenApiResponse { Description = target.Description, Headers = target.Headers };
        }

        return heads;
    }

    private static void AddComponents(OpenApiDocument document)
    {
        var components = document.Components!;
        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem with the service's stable `code`.",
            Required = new HashSet<string> { "status", "detail", "code" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, for people." },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, for programs: stable, listed on each response." },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's correlation id." },
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Every invalid field (or parameter, or header) with what is wrong with it.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            },
        };

        components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        components.Headers["ETag"] = Header("The approval's version as a strong entity tag (`\"3\"`): send it back in `If-Match` or `If-None-Match`.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^\"[0-9]+\"$" }, required: true);
        components.Headers["Location"] = Header("Where the created or changed resource is read.", new OpenApiSchema { Type = JsonSchemaType.String }, required: true);
        components.Headers["Idempotent-Replayed"] = Header("`true` when this is the stored answer of an earlier request with the same `Idempotency-Key`.",
            ParameterTypes.Enum(["true"]), required: false);
        components.Headers["Retry-After"] = Header("Seconds to wait before trying again.", new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" }, required: true);
        components.Headers["WWW-Authenticate"] = Header("The authentication schemes the route accepts (`ApiKey`, `Bearer`), and why a bearer token was refused.",
            new OpenApiSchema { Type = JsonSchemaType.String }, required: true);
        components.Headers[CorrelationId.HeaderName] = Header("The id of this request in the history and the logs: the caller's `X-Correlation-Id` when it is 1 to 100 "
            + "letters, digits or `-_.:`, otherwise the trace id.", new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 100 }, required: true);

        components.Parameters ??= new Dictionary<string, IOpenApiParameter>();
        components.Parameters["If-Match"] = HeaderParameter("If-Match",
            "Apply the change only to one of these versions: `*` or a list of strong tags (`\"9\", \"3\"`); a weak tag never matches. Otherwise 412.");
        components.Parameters["If-None-Match"] = HeaderParameter("If-None-Match",
            "Answer 304 without a body when one of these tags (weak comparison: `W/\"3\"` holds version 3) or `*` holds the current version.");
        components.Parameters["Idempotency-Key"] = HeaderParameter("Idempotency-Key",
            "1 to 200 printable ASCII characters: a retry with the same key and body gets the first answer again; the same key with another body is refused (422).");
        components.Parameters[CorrelationId.HeaderName] = HeaderParameter(CorrelationId.HeaderName,
            "An id for this request (1 to 100 letters, digits or `-_.:`), recorded in the history and echoed on the response.");
    }

    private static OpenApiHeader Header(string description, OpenApiSchema schema, bool required) =>
        new() { Description = description, Schema = schema, Required = required };

    private static OpenApiParameter HeaderParameter(string name, string description) =>
        new() { Name = name, In = ParameterLocation.Header, Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
}
