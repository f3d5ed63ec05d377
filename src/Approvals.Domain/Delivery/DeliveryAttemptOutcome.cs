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
    TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// A job's attempt when its service rule has been disabled since the decision: nothing is sent (as Svix sends
    /// nothing to a disabled endpoint) and the job fails at once, so the approval goes to ERROR instead of waiting for
    /// ever. Enabled again, the job can be redelivered; or the approval's rules edited and the approval decided again.
    /// </summary>
    public static DeliveryAttemptOutcome RuleDisabled(int serviceRule, DateTimeOffset at) =>
        new(AttemptVerdict.Permanent, at, TimeSpan.Zero, ErrorCode: ErrorCodes.DeliveryRuleDisabled,
            Error: $"Not sent: service rule {serviceRule} is disabled.");
}
