namespace Approvals.Domain;

/// <summary>Approval statuses. The numbers are the original service's and are part of its wire contract.</summary>
public enum ApprovalStatus : short
{
    Unknown = 0,
    Error = 1,
    Pending = 2,
    Approved = 3,
    Rejected = 4,
    Cancelled = 5,
    AcknowledgedApproved = 6,
    AcknowledgedRejected = 7,
    AcknowledgedCancelled = 8,
}

public static class ApprovalStatusNames
{
    private static readonly string[] Names =
    [
        "UNKNOWN", "ERROR", "PENDING", "APPROVED", "REJECTED", "CANCELLED",
        "ACKNOWLEDGED_APPROVED", "ACKNOWLEDGED_REJECTED", "ACKNOWLEDGED_CANCELLED",
    ];

    public static IReadOnlyList<ApprovalStatus> All { get; } = Enum.GetValues<ApprovalStatus>();

    /// <summary>The wire name, such as <c>ACKNOWLEDGED_APPROVED</c>.</summary>
    public static string ToWireName(this ApprovalStatus status) =>
        (int)status >= 0 && (int)status < Names.Length ? Names[(int)status] : status.ToString();

    public static bool TryParse(string? value, out ApprovalStatus status)
    {
        status = ApprovalStatus.Unknown;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var index = Array.FindIndex(Names, n => string.Equals(n, value.Trim(), StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            return false;
        }

        status = (ApprovalStatus)index;
        return true;
    }

    public static bool IsDefined(int value) => value >= 0 && value < Names.Length;

    /// <summary>Final statuses: the decision reached every downstream service.</summary>
    public static bool IsFinal(this ApprovalStatus status) =>
        status is ApprovalStatus.Approved or ApprovalStatus.Rejected or ApprovalStatus.Cancelled;

    public static bool IsAcknowledged(this ApprovalStatus status) =>
        status is ApprovalStatus.AcknowledgedApproved or ApprovalStatus.AcknowledgedRejected or ApprovalStatus.AcknowledgedCancelled;
}
