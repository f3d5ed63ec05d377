using System.Text.Json;
using System.Text.Json.Serialization;

namespace Approvals.Api.Webhooks;

/// <summary>The webhook body's source-generated serializer, in the API's JSON conventions.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WebhookPayload))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
