using Approvals.Domain;

namespace Approvals.Api.Persistence.Data;

/// <summary>A downstream service that is told about decisions.</summary>
public sealed class ServiceRule
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public required string Url { get; set; }

    /// <summary>The outbound credential sent to the service as <c>Authorization</c>; never returned by the API.</summary>
    public required string ApiKey { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Standard Webhooks signing secret (<c>whsec_...</c>).</summary>
    public string? SigningSecret { get; set; }

    /// <summary>The secret being rotated out; while set, deliveries carry both signatures.</summary>
    public string? PreviousSigningSecret { get; set; }

    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Delays in seconds before each attempt; its length is the attempt budget.</summary>
    public int[] RetrySchedule { get; set; } = [.. DefaultRetrySchedule];

    public bool AllowSelfApproval { get; set; }

    /// <summary>
    /// The default <c>onDeadline</c> of the approvals that name this rule and set none of their own (the first of
    /// their rules that sets one counts); null sets none.
    /// </summary>
    public DeadlineAction? OnDeadline { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static IReadOnlyList<int> DefaultRetrySchedule { get; } = [0, 2, 10, 60, 300, 1800];
}
