using System.ComponentModel.DataAnnotations;
using Approvals.Api.Persistence.Data;

namespace Approvals.Api.Features;

/// <summary>
/// How long an <c>Idempotency-Key</c> holds (section <c>Idempotency</c>). A stored response is replayed to retries for
/// <see cref="Retention"/>; after that the key is free again (a request with it runs as new) and the sweeper deletes
/// the row. A key claimed without a response (<c>in_progress</c>: only an earlier version of the service wrote such
/// claims, before the claim became part of the change's own transaction) is released after
/// <see cref="InProgressTimeout"/>: its request died, so a retry runs instead of getting 409 for ever.
/// </summary>
public sealed class IdempotencyOptions : IValidatableObject
{
    public const string Section = "Idempotency";

    /// <summary>How long a stored response is replayed (IETF draft-ietf-httpapi-idempotency-key-header suggests 24 hours).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a claim without a response holds its key. A request runs for seconds at most (PostgreSQL's command
    /// timeout is 30 s); two minutes leaves room for one still running while a retry comes in.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan InProgressTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often each API process deletes expired keys (a cheap indexed delete, in batches).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether <paramref name="record"/> still holds its key at <paramref name="now"/>: not expired, and not an abandoned claim.</summary>
    public bool Holds(IdempotencyRecord record, DateTimeOffset now) =>
        record.CreatedAt > ExpiredBefore(now) && (record.StatusCode is not null || record.CreatedAt > AbandonedBefore(now));

    /// <summary>Records created at or before this have expired.</summary>
    public DateTimeOffset ExpiredBefore(DateTimeOffset now) => now - Retention;

    /// <summary>Claims without a response created at or before this are abandoned.</summary>
    public DateTimeOffset AbandonedBefore(DateTimeOffset now) => now - InProgressTimeout;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InProgressTimeout > Retention)
        {
            yield return new ValidationResult(
                "Idempotency:InProgressTimeout must not be longer than Idempotency:Retention.", [nameof(InProgressTimeout)]);
        }
    }
}
