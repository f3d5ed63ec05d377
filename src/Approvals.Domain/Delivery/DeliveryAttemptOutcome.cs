using Approvals.Domain;

namespace Approvals.Domain;

public enum AttemptVerdict
{
    /// <summary>The service accepted the decision (2xx with a usable JSON body).</summary>
    Succeeded,

    /// <summary>Worth trying again later: timeout, connection failure, 408, 425, 429, 5xx.</summary>
    Transient,

    /// <summary>Trying again cannot help: unusable URL, other 4xx, unreadable 2xx.</summary>
    Permanent,
}

/// <summary>What one HTTP call of a delivery job came to; it becomes a row of the attempt log.</summary>
public sealed record DeliveryAttemptOutcome(
    AttemptVerdict Verdict,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    int? HttpStatus = null,
    string? ErrorCode = null,
    string? Error = null,
    string? ResponseExcerpt = null,
    ApprovalStatus? ReportedStatus = null,
    TimeSpan? RetryAfter = null);
