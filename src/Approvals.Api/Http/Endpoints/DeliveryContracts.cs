using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Http.Endpoints;

/// <summary>A delivery job with its whole attempt log; <c>current</c> is false for jobs of a superseded decision.</summary>
public sealed record DeliveryJobResponse(
    Guid Id,
    Guid DecisionId,
    bool Current,
    int ServiceRule,
    string RequestedStatus,
    string State,
    int Attempts,
    string? ReportedStatus,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    string? LastErrorCode,
    string? LeaseOwner,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<DeliveryAttemptResponse> AttemptLog)
{
    public static DeliveryJobResponse From(DeliveryJob job, Guid? currentDecisionId) => new(
        job.Id,
        job.DecisionId,
        job.DecisionId == currentDecisionId,
        job.ServiceRuleId,
        job.RequestedStatus.ToWireName(),
        job.State.ToString().ToLowerInvariant(),
        job.Attempts,
        job.ReportedStatus?.ToWireName(),
        job.State is DeliveryState.Pending or DeliveryState.Sending ? job.NextAttemptAt : null,
        job.LastError,
        job.LastErrorCode,
        job.LeaseOwner,
        job.CreatedAt,
        job.CompletedAt,
        [.. job.AttemptLog.OrderBy(a => a.Number).Select(DeliveryAttemptResponse.From)]);
}

/// <summary>One HTTP call: when, how long, the HTTP status (none when no answer came), the error, and the first 1 KB of the answer.</summary>
public sealed record DeliveryAttemptResponse(int Number, DateTimeOffset StartedAt, int DurationMs, int? HttpStatus, string? Error, string? ResponseExcerpt)
{
    public static DeliveryAttemptResponse From(DeliveryAttempt attempt) =>
        new(attempt.Number, attempt.StartedAt, attempt.DurationMs, attempt.HttpStatus, attempt.Error, attempt.ResponseExcerpt);
}
