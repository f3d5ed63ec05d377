namespace Approvals.Domain;

/// <summary>Where a delivery job stands. The numbers are stored (delivery_jobs.state).</summary>
public enum DeliveryState : short
{
    Pending = 0,
    Sending = 1,
    Succeeded = 2,
    Failed = 3,
    Superseded = 4,
}

/// <summary>Why an approval is in ERROR: the failed delivery (or the disagreement) that put it there.</summary>
public sealed record DeliveryError(string Code, string Message, int? ServiceRule, DateTimeOffset At);
