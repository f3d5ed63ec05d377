using System.Text.Json.Serialization;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Http.Endpoints;

/// <summary>
/// Create or replace a service rule. <c>ApiKey</c> is write-only; on replace, null keeps the stored key.
/// <c>OnDeadline</c> (<c>none</c>, <c>reject</c>, <c>cancel</c>; null: none set) is the default of the approvals that
/// name this rule and set no <c>onDeadline</c> of their own.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ServiceRuleRequest(
    string? Name,
    string? Url,
    string? ApiKey,
    bool? Enabled,
    int? TimeoutSeconds,
    int[]? RetrySchedule,
    bool? AllowSelfApproval,
    string? OnDeadline = null);

/// <summary>A service rule as the API shows it: never its API key or signing secrets.</summary>
public sealed record ServiceRuleResponse(
    int Id,
    string Name,
    string Url,
    bool Enabled,
    int TimeoutSeconds,
    IReadOnlyList<int> RetrySchedule,
    bool AllowSelfApproval,
    string? OnDeadline,
    bool HasSigningSecret,
    bool RotatingSigningSecret,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ServiceRuleResponse From(ServiceRule rule) => new(
        rule.Id,
        rule.Name,
        rule.Url,
        rule.Enabled,
        rule.TimeoutSeconds,
        rule.RetrySchedule,
        rule.AllowSelfApproval,
        rule.OnDeadline?.ToWireName(),
        rule.SigningSecret is not null,
        rule.PreviousSigningSecret is not null,
        rule.CreatedAt,
        rule.UpdatedAt);
}

/// <summary>Returned once, on creation and on rotation: the only time the signing secret leaves the service.</summary>
public sealed record ServiceRuleWithSecretResponse(ServiceRuleResponse ServiceRule, string SigningSecret);
