using System.Text.Json.Serialization;
using Approvals.Api.Persistence.Data;

namespace Approvals.Api.Http.Endpoints;

// The original service's JSON shapes, kept exactly (snake_case, integer statuses) so its clients keep working.

public sealed record LegacyApproval(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("service_rule")] int ServiceRule,
    [property: JsonPropertyName("deadline")] DateTimeOffset Deadline,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("comment")] string Comment,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt)
{
    /// <summary>The original had one service rule per approval; an approval with several shows its first.</summary>
    public static LegacyApproval From(ApprovalRecord approval) => new(
        approval.Id.ToString(),
        approval.Title,
        approval.Description,
        approval.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId).FirstOrDefault(),
        approval.Deadline,
        (int)approval.Status,
        approval.Comment,
        approval.CreatedAt,
        approval.UpdatedAt);
}

public sealed record LegacyCreateRequest(
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("service_rule")] int? ServiceRule,
    [property: JsonPropertyName("deadline")] DateTimeOffset? Deadline,
    [property: JsonPropertyName("comment")] string? Comment);

public sealed record LegacyUpdateRequest(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("service_rule")] int? ServiceRule,
    [property: JsonPropertyName("deadline")] DateTimeOffset? Deadline,
    [property: JsonPropertyName("comment")] string? Comment,
    [property: JsonPropertyName("status")] int? Status);

public sealed record LegacyItemEnvelope([property: JsonPropertyName("approval_item")] LegacyApproval ApprovalItem);

/// <summary>The original's GET /request answered with a plural key around a single object; clients depend on it.</summary>
public sealed record LegacySingleItemsEnvelope([property: JsonPropertyName("approval_items")] LegacyApproval ApprovalItems);

public sealed record LegacyListEnvelope([property: JsonPropertyName("approval_items")] IReadOnlyList<LegacyApproval> ApprovalItems);

public sealed record LegacyStatus([property: JsonPropertyName("status")] string Status);
