using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Approvals.Domain;
using Microsoft.OpenApi;

namespace Approvals.Api.Http.OpenApi;

/// <summary>
/// Request bodies as strict as the server. The bodies bind every field as nullable so that the server, not the
/// deserializer, names each missing or invalid field; the generator reads that as "every field may be null". Here
/// each body says which fields it needs and which take <c>null</c> (the rest are refused as null), and which values
/// a field takes. The merge patch, bound as raw JSON, gets its own schema.
/// </summary>
internal static class RequestSchemas
{
    private sealed record Body(string[] Required, string[] Nullable)
    {
        public Dictionary<string, Func<OpenApiSchema>> Values { get; init; } = [];
    }

    private static readonly Func<OpenApiSchema> Decisions = () => ParameterTypes.Enum(Enum.GetValues<Decision>().Select(d => d.ToCommand().ToWireName()));
    private static readonly Func<OpenApiSchema> Votes = () => ParameterTypes.Enum(Enum.GetValues<VoteChoice>().Select(v => v.ToWireName()));
    private static readonly Func<OpenApiSchema> OnDeadline = () => ParameterTypes.Enum(DeadlineActions.All.Select(a => a.ToWireName()));
    private static readonly Func<OpenApiSchema> RuleOnDeadline = () => ParameterTypes.Enum(DeadlineActions.All.Where(a => a.CanBeRuleDefault()).Select(a => a.ToWireName()));
    private static readonly Func<OpenApiSchema> Uuid = () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" };

    private static readonly Dictionary<string, Body> Bodies = new(StringComparer.Ordinal)
    {
        ["CreateApprovalRequest"] = new(["title", "description", "deadline", "serviceRules"], ["comment", "onDeadline", "remindBefore", "approvers", "policy", "stages", "escalation"])
        {
            Values = { ["onDeadline"] = OnDeadline },
        },
        ["DecisionRequest"] = new(["decision"], ["comment"]) { Values = { ["decision"] = Decisions } },
        ["VoteRequestBody"] = new(["vote"], ["comment", "onBehalfOf"]) { Values = { ["vote"] = Votes } },
        ["BulkVoteRequest"] = new(["items"], []),
        ["BulkVoteItemBody"] = new(["approvalId", "vote"], ["comment", "onBehalfOf"]) { Values = { ["vote"] = Votes, ["approvalId"] = Uuid } },
        ["TokenRequest"] = new(["username", "password"], []),
        ["ChangePasswordRequest"] = new(["currentPassword", "newPassword"], []),
        ["DelegationRequest"] = new(["to", "until"], ["from"]),
        ["CreateUserRequest"] = new(["username"], ["groups"]),
        ["UpdateUserRequest"] = new([], ["roles", "groups", "disabled"]),
        ["CreateGroupRequest"] = new(["name"], ["members"]),
        ["GroupMembersRequest"] = new(["members"], []),
        ["CreateApiClientRequest"] = new(["name", "scopes"], []),
        ["LegacyCreateRequest"] = new(["title", "description", "service_rule", "deadline"], ["comment"]),

        // The original's update: clients send the whole object back, and a null or absent field stays as it is.
        ["LegacyUpdateRequest"] = new(["id"], ["title", "description", "service_rule", "deadline", "comment", "status"])
        {
            Values = { ["id"] = Uuid, ["status"] = () => ParameterTypes.Integer(0, 8) },
        },
        ["ServiceRuleRequest"] = new(["name", "url"], ["apiKey", "enabled", "timeoutSeconds", "retrySchedule", "allowSelfApproval", "onDeadline"])
        {
            Values = { ["onDeadline"] = RuleOnDeadline },
        },
    };

    public static void Apply(OpenApiDocument document)
    {
        var schemas = document.Components!.Schemas!;
        foreach (var (name, body) in Bodies)
        {
            if (!schemas.TryGetValue(name, out var found) || found is not OpenApiSchema schema)
            {
                throw new InvalidOperationException($"The request body {name} is no longer in the document; update RequestSchemas.");
            }

            schema.Required = new HashSet<string>(body.Required);
            foreach (var (property, propertySchema) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                var nullable = body.Nullable.Contains(property);
                var replaced = body.Values.TryGetValue(property, out var values) ? (IOpenApiSchema)values() : NotNull(propertySchema);
                schema.Properties![property] = nullable ? Nullable(replaced) : replaced;
            }
        }

        // A JSON value of any kind (JsonElement): "anything, null included" is the empty schema, not oneOf [null, anything].
        foreach (var schema in schemas.Values.OfType<OpenApiSchema>())
        {
            foreach (var (property, propertySchema) in schema.Properties?.ToList() ?? [])
            {
                if (propertySchema is OpenApiSchema { OneOf: [OpenApiSchema { Type: JsonSchemaType.Null }, OpenApiSchemaReference { Reference.Id: "JsonElement" }] })
                {
                    schema.Properties![property] = new OpenApiSchema { Description = "Any JSON value, or null." };
                }
            }
        }

        // Members left out when null are not required, whatever their constructor says.
        foreach (var type in typeof(RequestSchemas).Assembly.GetTypes())
        {
            if (schemas.TryGetValue(type.Name, out var named) && named is OpenApiSchema { Required: { } required })
            {
                foreach (var omitted in type.GetProperties().Where(IsOmittedWhenNull))
                {
                    required.Remove(omitted.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(omitted.Name));
                }
            }
        }

        // Statuses are names in API v1.
        var approval = (OpenApiSchema)schemas["ApprovalResponse"];
        approval.Properties!["status"] = ParameterTypes.Enum(StatusNames());
        approval.Properties["previousStatus"] = Nullable(ParameterTypes.Enum(StatusNames()));

        schemas["ApprovalPatch"] = ApprovalPatch(document);
        foreach (var media in document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()).SelectMany(o => o.RequestBody?.Content?.Values ?? []))
        {
            if (media.Schema is OpenApiSchemaReference { Reference.Id: "JsonElement" })
            {
                media.Schema = new OpenApiSchemaReference("ApprovalPatch", document);
            }
        }

        schemas["JsonElement"] = new OpenApiSchema { Description = "Any JSON value." };
    }

    /// <summary>The merge patch: every field optional; null only where it resets something.</summary>
    private static OpenApiSchema ApprovalPatch(OpenApiDocument document)
    {
        var create = (OpenApiSchema)document.Components!.Schemas!["CreateApprovalRequest"];
        var resettable = new[] { "comment", "onDeadline", "remindBefore", "escalation" };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A JSON merge patch (RFC 7396) of an approval: the fields present change; `null` clears `comment`, removes every reminder "
                + "(`remindBefore`) or the escalation, and returns `onDeadline` to the service rules' default. The other fields refuse null.",
            AdditionalPropertiesAllowed = false,
            Properties = create.Properties!.ToDictionary(p => p.Key, p => resettable.Contains(p.Key) ? p.Value : NotNull(p.Value)),
        };
    }

    private static IEnumerable<string> StatusNames() => Enum.GetValues<ApprovalStatus>().Select(s => s.ToWireName());

    private static bool IsOmittedWhenNull(PropertyInfo property) =>
        property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault };

    private static IOpenApiSchema Nullable(IOpenApiSchema schema) => schema switch
    {
        // An enum lists its values: null is added beside it rather than to its type, which the enum would still refuse.
        OpenApiSchema { Type: { } type } plain when plain.OneOf is null && plain.Enum is not { Count: > 0 } => WithType(plain, type | JsonSchemaType.Null),
        OpenApiSchema { OneOf: [OpenApiSchema { Type: JsonSchemaType.Null }, _] } already => already,
        _ => new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, schema] },
    };

    private static IOpenApiSchema NotNull(IOpenApiSchema schema) => schema switch
    {
        OpenApiSchema { OneOf: [OpenApiSchema { Type: JsonSchemaType.Null }, var other] } => other,
        OpenApiSchema { Type: { } type } plain when type.HasFlag(JsonSchemaType.Null) => WithType(plain, type & ~JsonSchemaType.Null),
        _ => schema,
    };

    private static OpenApiSchema WithType(OpenApiSchema schema, JsonSchemaType type)
    {
        var copy = (OpenApiSchema)schema.CreateShallowCopy();
        copy.Type = type;
        return copy;
    }
}
