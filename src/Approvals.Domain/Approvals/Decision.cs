namespace Approvals.Domain;

/// <summary>What an approver decides. Each decision is a command of the transition table.</summary>
public enum Decision
{
    Approve,
    Reject,
    Cancel,
}

public static class DecisionExtensions
{
    public static ApprovalCommand ToCommand(this Decision decision) => decision switch
    {
        Decision.Approve => ApprovalCommand.Approve,
        Decision.Reject => ApprovalCommand.Reject,
        Decision.Cancel => ApprovalCommand.Cancel,
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, null),
    };

    /// <summary>The final status a downstream service is asked to record for this decision.</summary>
    public static ApprovalStatus FinalStatus(this Decision decision) => decision switch
    {
        Decision.Approve => ApprovalStatus.Approved,
        Decision.Reject => ApprovalStatus.Rejected,
        Decision.Cancel => ApprovalStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, null),
    };

    /// <summary>"approved", "rejected", "cancelled": the decision as words say it and as the metrics label it.</summary>
    public static string PastTense(this Decision decision) => decision switch
    {
        Decision.Approve => "approved",
        Decision.Reject => "rejected",
        Decision.Cancel => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, null),
    };

    public static bool TryParse(string? value, out Decision decision)
    {
        switch (value?.Trim().ToUpperInvariant())
        {
            case "APPROVE":
                decision = Decision.Approve;
                return true;
            case "REJECT":
                decision = Decision.Reject;
                return true;
            case "CANCEL":
                decision = Decision.Cancel;
                return true;
            default:
                decision = default;
                return false;
        }
    }

    /// <summary>The decision that a legacy status number (3, 4, 5) asks for.</summary>
    public static bool TryFromFinalStatus(ApprovalStatus status, out Decision decision)
    {
        switch (status)
        {
            case ApprovalStatus.Approved:
                decision = Decision.Approve;
                return true;
            case ApprovalStatus.Rejected:
                decision = Decision.Reject;
                return true;
            case ApprovalStatus.Cancelled:
                decision = Decision.Cancel;
                return true;
            default:
                decision = default;
                return false;
        }
    }
}
