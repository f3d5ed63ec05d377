namespace Approvals.Domain;

/// <summary>The named failures of approval rules that are not the transition table's own.</summary>
public static class ApprovalErrors
{
    public static DomainError NotFound(Guid id) =>
        new(ErrorKind.NotFound, ErrorCodes.ApprovalNotFound, $"Approval '{id}' does not exist.");

    public static DomainError VersionMismatch(int current) => new(ErrorKind.PreconditionFailed, ErrorCodes.VersionMismatch,
        $"The approval is at version {current}; read it again and retry.");

    /// <summary>The 422 for the rules in <paramref name="ids"/> that are not among the <paramref name="usable"/> ones; null when none.</summary>
    public static DomainError? UnusableServiceRules(IReadOnlyList<int> ids, IReadOnlyCollection<int> usable)
    {
        var missing = ids.Except(usable).ToList();
        return missing.Count == 0
            ? null
            : new DomainError(ErrorKind.Unprocessable, ErrorCodes.ServiceRuleUnknown,
                $"Service rule(s) {string.Join(", ", missing)} do not exist or are disabled.");
    }

    public static DomainError JobNotFound(Guid approvalId, Guid jobId) =>
        new(ErrorKind.NotFound, ErrorCodes.DeliveryJobNotFound, $"Approval '{approvalId}' has no delivery job '{jobId}'.");
}
