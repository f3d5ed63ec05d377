using System.Text.Json.Nodes;
using Approvals.Api.Webhooks;
using Approvals.Domain;
using Microsoft.OpenApi;

namespace Approvals.Api.Http.OpenApi;

/// <summary>
/// The <c>webhooks</c> section: what the service POSTs to every service rule named by a decided approval
/// (<c>Webhooks/WebhookSender.cs</c>), signed as Standard Webhooks sign, and what it makes of the answer.
/// </summary>
internal static class WebhookDocumentation
{
    public const string PayloadSchema = "WebhookPayload";
    public const string AnswerSchema = "WebhookAnswer";

    /// <summary>What a delivery reports: the final statuses, as the status names say.</summary>
    private static readonly ApprovalStatus[] FinalStatuses = [.. ApprovalStatusNames.All.Where(s => s.IsFinal())];

    public static void Add(OpenApiDocument document)
    {
        var schemas = document.Components!.Schemas!;
        schemas[PayloadSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A decision to deliver: the original contract's `id` and numeric `status`, the event name, and the approval as API v1 shows it.",
            Required = new HashSet<string> { "id", "status", "event", "approval" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid", Description = "The approval's id." },
                ["status"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Description = "The decided status: 3 approved, 4 rejected, 5 cancelled.",
                    Enum = [.. FinalStatuses.Select(s => (JsonNode)JsonValue.Create((int)s))],
                },
                ["event"] = ParameterTypes.Enum([.. FinalStatuses.Select(WebhookPayload.EventName)]),
                ["approval"] = new OpenApiSchemaReference("ApprovalResponse", document),
            },
        };
        schemas[AnswerSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "The original contract's answer; every field is optional, an empty 2xx body accepts the decision as sent.",
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid", Description = "If present, the approval's id." },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "If present, the status the service applied: 3, 4 or 5." },
                ["error_code"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "0, or the service's refusal." },
            },
        };

        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks["approvalDecided"] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = new()
                {
                    OperationId = "DeliverDecision",
                    Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
                    Summary = "A decision, delivered to a downstream service",
                    Description = "Sent to the URL of every service rule the decided approval names, once per decision, until the service accepts it, "
                        + "refuses it, or the rule's retry schedule runs out (then the approval goes to ERROR). Verify the signature over "
                        + "`{webhook-id}.{webhook-timestamp}.{body}` with the rule's signing secret (Standard Webhooks), refuse stale timestamps, and "
                        + "use `webhook-id` to drop a delivery seen before: a retry repeats it. Redirects are not followed.",
                    Parameters =
                    [
                        WebhookHeader("webhook-id", "The delivery's id; the same on every retry of this delivery.", required: true),
                        WebhookHeader("webhook-timestamp", "When this attempt was sent, in Unix seconds.", required: true, integer: true),
                        WebhookHeader("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256>` signatures, one per signing secret in use "
                            + "(two while a rotated secret is still accepted). Absent when the rule has no signing secret.", required: false),
                        WebhookHeader("Authorization", "The service rule's API key, as is (no scheme), as the original service sent it.", required: true),
                    ],
                    RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(PayloadSchema, document) } },
                    },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "Any 2xx accepts the decision. A body that is JSON but not this shape, that names another id, carries a non-zero "
                                + "`error_code` or a status that is not final, or exceeds 64 KB counts as a refusal.",
                            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(AnswerSchema, document) } },
                        },
                        ["429"] = new OpenApiResponse { Description = "Retried later, after `Retry-After` when given; so are 408, 425 and every 5xx, and a timeout or a failed connection." },
                        ["400"] = new OpenApiResponse { Description = "Any other status refuses the decision for good: the approval goes to ERROR (`delivery.rejected`)." },
                    },
                },
            },
        };

        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "Webhooks", Description = "What the service sends to downstream services." });
    }

    private static OpenApiParameter WebhookHeader(string name, string description, bool required, bool integer = false) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = required,
        Description = description,
        Schema = new OpenApiSchema { Type = integer ? JsonSchemaType.Integer : JsonSchemaType.String },
    };
}
