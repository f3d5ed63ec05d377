using System.Globalization;
using System.Text.Json.Nodes;
using Approvals.Domain;
using Microsoft.OpenApi;

namespace Approvals.Api.Http.OpenApi;

/// <summary>
/// The real types of the parameters that handlers bind as strings and parse themselves, by name: the same name means
/// the same thing on every route (an operation's <see cref="OperationContract.Parameters"/> says otherwise where needed).
/// </summary>
internal static class ParameterTypes
{
    private static readonly Dictionary<string, ParameterType> ByName = new(StringComparer.Ordinal)
    {
        ["id"] = Uuid("The approval's id (a UUID)."),
        ["jobId"] = Uuid("The delivery job's id (a UUID)."),
        ["approvalId"] = Uuid("Only the events of this approval."),
        ["username"] = new("The person's username.", () => new OpenApiSchema { Type = JsonSchemaType.String }),
        ["name"] = new("The group's name.", () => new OpenApiSchema { Type = JsonSchemaType.String }),
        ["cursor"] = new("The `nextCursor` of the previous page; absent for the first page.", () => new OpenApiSchema { Type = JsonSchemaType.String }),
        ["after"] = new("The `nextCursor` of the previous answer; absent to start at the oldest event kept.", () => new OpenApiSchema { Type = JsonSchemaType.String }),
        ["serviceRule"] = new("Only the approvals that name this service rule.", () => Integer(1, int.MaxValue)),
        ["overdue"] = new("true: only approvals past their deadline; false: only those not past it.", () => new OpenApiSchema { Type = JsonSchemaType.Boolean }),
        ["mine"] = new("true: only the approvals the caller created.", () => new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(false) }),
        ["q"] = new("Only approvals whose title contains this text, in any case.", () => new OpenApiSchema { Type = JsonSchemaType.String }),
        ["wait"] = new("Seconds to wait for an event when there is none yet (long polling).", () => Integer(0, 30, 0)),
        ["sort"] = new("The order: by deadline or by creation, `-` for descending.", () => Enum(["deadline", "-deadline", "createdAt", "-createdAt"], "deadline")),
        ["status"] = new("Only approvals in these statuses: names, comma-separated (`PENDING,ERROR`).",
            () => new OpenApiSchema { Type = JsonSchemaType.Array, Items = Enum([.. System.Enum.GetValues<ApprovalStatus>().Select(s => s.ToWireName())]) })
        {
            CommaSeparated = true,
        },
        ["type"] = new("Only events of these types, comma-separated (`approval.created,approval.decided`).",
            () => new OpenApiSchema { Type = JsonSchemaType.Array, Items = Enum([.. System.Enum.GetValues<ApprovalEventType>().Select(t => t.ToWireName())]) })
        {
            CommaSeparated = true,
        },
    };

    public static ParameterType? Find(string name) => ByName.GetValueOrDefault(name);

    public static ParameterType Uuid(string description) =>
        new(description, () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" });

    public static ParameterType Limit(int max, int byDefault) =>
        new($"Page size, 1 to {max.ToString(CultureInfo.InvariantCulture)}.", () => Integer(1, max, byDefault));

    public static ParameterType ServiceRuleId { get; } = new("The service rule's id.", () => Integer(1, int.MaxValue));

    public static OpenApiSchema Integer(int minimum, int maximum, int? byDefault = null) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = minimum.ToString(CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(CultureInfo.InvariantCulture),
        Default = byDefault is { } value ? JsonValue.Create(value) : null,
    };

    public static OpenApiSchema Enum(IEnumerable<string> values, string? byDefault = null) => new()
    {
        Type = JsonSchemaType.String,
        Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
        Default = byDefault is null ? null : JsonValue.Create(byDefault),
    };
}
