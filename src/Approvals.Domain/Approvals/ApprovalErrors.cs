namespace Approvals.Domain;

/// <summary>The named failures of approval rules that are not the transition table's own.</summary>
public static class ApprovalErrors
{
    public static DomainError NotFound(Guid id) =>
        new(ErrorCodes.ApprovalNotFound, $"Approval '{id}' does not exist.");

    public static DomainError VersionMismatch(int current) => new(ErrorCodes.VersionMismatch,
        $"The approval is at version {current}; read it again and retry.");

    /// <summary>The 422 for the rules in <paramref name="ids"/> that are not among the <paramref name="usable"/> ones; null when none.</summary>
    public static DomainError? UnusableServiceRules(IReadOnlyList<int> ids, IReadOnlyCollection<int> usable)
    {
        var missing = ids.Except(usable).ToList();
        return missing.Count == 0
            ? null
            : new DomainError(ErrorCodes.ServiceRuleUnknown,
                $"Service rule(s) {string.Join(", ", missing)} do not exist or are disabled.");
    }

    public static DomainError JobNotFound(Guid approvalId, Guid jobId) =>
        new(ErrorCodes.DeliveryJobNotFound, $"Approval '{approvalId}' has no delivery job '{jobId}'.");

    public static DomainError NoPolicy(Guid id) => new(ErrorCodes.NoApprovers,
        $"Approval '{id}' names no approvers; it is decided with POST /api/v1/approvals/{id}/decision.");

    public static DomainError NotAnApprover(string message) =>
        new(ErrorCodes.NotAnApprover, message);

    public static DomainError AlreadyVoted(string voter, string stage) => new(ErrorCodes.AlreadyVoted,
        $"'{voter}' has already voted in the stage '{stage}'; a vote is final.");

    public static DomainError SeatTaken(string stage) => new(ErrorCodes.AlreadyVoted,
        $"Every seat you may vote for in the stage '{stage}' already has its vote (a group votes once, through any member).");

    public static DomainError StageClosed(string closed, string open) => new(ErrorCodes.StageClosed,
        $"The stage '{closed}' is closed (approved); the open stage is '{open}', whose approvers vote now.");

    public static DomainError VotesCast() => new(ErrorCodes.VotesCast,
        "Votes have been cast: the approvers and the policy can no longer change.");

    public static DomainError UnknownApprovers(IReadOnlyList<string> users, IReadOnlyList<string> groups) =>
        new(ErrorCodes.UnknownApprover,
            "Unknown approver(s): " + string.Join(", ", users.Select(VoteSeats.User).Concat(groups.Select(VoteSeats.Group))) + ".");
}
