using Approvals.Api.Contracts;
using System.Text.Json;
using Approvals.Domain;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// Reads a JSON merge patch (RFC 7396) of an approval's editable fields. Unknown fields, wrong types, and
/// nulls for required fields are validation errors; a null comment clears it, a null <c>onDeadline</c> returns the
/// approval to its service rules' default, a null <c>remindBefore</c> removes every reminder.
/// </summary>
internal static class ApprovalPatch
{
    public static Result<ApprovalEdit> Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            // The same answer a typed body gets when it is not an object.
            return MalformedBody("A merge patch must be a JSON object.");
        }

        try
        {
            return ParseObject(body);
        }
        catch (InvalidOperationException)
        {
            // A field name that is not valid UTF-8 or holds a lone surrogate escape: as for typed bodies, unreadable.
            return MalformedBody("Field names must be valid Unicode text.");
        }
    }

    private static Result<ApprovalEdit> ParseObject(JsonElement body)
    {
        var errors = new FieldErrors();
        string? title = null, description = null, comment = null;
        DateTimeOffset? deadline = null;
        List<int>? serviceRules = null;
        ApproverSpec[]? approvers = null;
        PolicySpec? policy = null;
        StageSpec[]? stages = null;
        EscalationEdit? escalation = null;
        OnDeadlineEdit? onDeadline = null;
        List<string>? remindBefore = null;

        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "title":
                    title = ReadString(value, "title", errors, nullable: false);
                    break;
                case "description":
                    description = ReadString(value, "description", errors, nullable: false);
                    break;
                case "comment":
                    comment = value.ValueKind == JsonValueKind.Null ? "" : ReadString(value, "comment", errors, nullable: true);
                    break;
                case "deadline":
                    if (value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var parsed))
                    {
                        deadline = parsed;
                    }
                    else
                    {
                        errors.Add("deadline", "Must be an RFC 3339 timestamp.");
                    }

                    break;
                case "serviceRules":
                    serviceRules = ReadIntArray(value, errors);
                    break;
                case "approvers":
                    approvers = ReadTyped(value, "approvers", ApprovalsJsonContext.Default.ApproverSpecArray, errors);
                    break;
                case "policy":
                    policy = ReadTyped(value, "policy", ApprovalsJsonContext.Default.PolicySpec, errors);
                    break;
                case "stages":
                    stages = ReadTyped(value, "stages", ApprovalsJsonContext.Default.StageSpecArray, errors);
                    break;
                case "escalation":
                    escalation = new EscalationEdit(value.ValueKind == JsonValueKind.Null
                        ? null
                        : PolicyContracts.ToEscalation(ReadTyped(value, "escalation", ApprovalsJsonContext.Default.EscalationSpec, errors), errors));
                    break;
                case "onDeadline":
                    onDeadline = ReadOnDeadline(value, errors);
                    break;
                case "remindBefore":
                    remindBefore = value.ValueKind == JsonValueKind.Null ? [] : ReadStringArray(value, "remindBefore", errors);
                    break;
                default:
                    errors.Add(property.Name.Length > 100 ? property.Name[..100] : property.Name, "Unknown or read-only field.");
                    break;
            }
        }

        var (newStages, stagesField) = PolicyContracts.ToStages(approvers, policy, stages, errors);
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        return new ApprovalEdit(title, description, deadline, comment, serviceRules, onDeadline, remindBefore, newStages, stagesField, escalation);
    }

    /// <summary>A field with an object or array shape, read as the typed create body reads it (unknown members refused).</summary>
    private static T? ReadTyped<T>(JsonElement value, string field, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, FieldErrors errors)
        where T : class
    {
        try
        {
            var read = value.Deserialize(type);
            if (read is null)
            {
                errors.Add(field, "Cannot be null.");
            }

            return read;
        }
        catch (JsonException)
        {
            errors.Add(field, "The value has the wrong shape; see the create body.");
            return null;
        }
    }

    private static DomainError MalformedBody(string message) => new(ErrorCodes.MalformedJson, message);

    private static string? ReadString(JsonElement value, string field, FieldErrors errors, bool nullable)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            try
            {
                return value.GetString();
            }
            catch (InvalidOperationException)
            {
                // Invalid UTF-8 or a lone surrogate escape: the same per-field answer the typed bodies give.
                errors.Add(field, "The value has the wrong type or format.");
                return null;
            }
        }

        errors.Add(field, nullable ? "Must be a string or null." : "Must be a string; this field cannot be removed.");
        return null;
    }

    private static OnDeadlineEdit? ReadOnDeadline(JsonElement value, FieldErrors errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return new OnDeadlineEdit(null);
        }

        if (DeadlineActions.TryParse(StringOrNull(value), out var action))
        {
            return new OnDeadlineEdit(action);
        }

        errors.Add("onDeadline", $"Must be {DeadlineActions.Listed}, or null for the service rules' default.");
        return null;
    }

    /// <summary>An array of strings; a wrong element is named by its index (<c>remindBefore[2]</c>), as a typed body names it.</summary>
    private static List<string>? ReadStringArray(JsonElement value, string field, FieldErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(field, "Must be an array of strings, or null.");
            return null;
        }

        var texts = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (StringOrNull(item) is not { } text)
            {
                errors.Add($"{field}[{texts.Count}]", "Must be a string.");
                return null;
            }

            texts.Add(text);
        }

        return texts;
    }

    /// <summary>The string, or null for another type or a string that is not valid text (a lone surrogate escape).</summary>
    private static string? StringOrNull(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static List<int>? ReadIntArray(JsonElement value, FieldErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add("serviceRules", "Must be an array of service rule ids.");
            return null;
        }

        var ids = new List<int>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id))
            {
                errors.Add("serviceRules", "Must be an array of integer service rule ids.");
                return null;
            }

            ids.Add(id);
        }

        return ids;
    }
}
