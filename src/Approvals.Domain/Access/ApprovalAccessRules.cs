namespace Approvals.Domain;

/// <summary>
/// What a caller may do with a particular approval, on top of the endpoint policies, as pure functions:
/// <list type="bullet">
/// <item>Reading: approvers, admins and read keys see every approval; requesters see the ones they created. An
/// approval the caller may not see answers exactly like one that does not exist (404), so nothing leaks.</item>
/// <item>Changing: requesters edit and cancel their own; approvers and decide keys decide on any; write keys edit any.
/// A comment sent with a decision is part of the decision, not an edit.</item>
/// <item>No self-approval: a person who created an approval cannot approve or reject it (cancelling is fine) unless
/// every service rule of the approval sets <c>allowSelfApproval</c>. The four-eyes rule is about people: a service
/// key acts for a system, and holding <c>approvals:decide</c> is the decision to trust it (as the original single
/// key was trusted to create and decide).</item>
/// </list>
/// </summary>
public static class ApprovalAccessRules
{
    /// <summary>Whether the caller may read approvals at all, and whose (null: everybody's; otherwise the caller's own).</summary>
    public static (bool MayRead, string? CreatedBy) ReadFilter(Caller caller) =>
        caller.Permissions.HasAny(Permission.ReadAll) ? (true, null)
        : caller.Permissions.HasAny(Permission.ReadOwn) ? (true, caller.Actor)
        : (false, null);

    /// <summary>Null when the caller may act on the approval at all; otherwise the same 404 a missing one gets.</summary>
    public static DomainError? CheckVisible(Caller caller, Guid approvalId, string createdBy)
    {
        var held = caller.Permissions;
        var visible = held.HasAny(Permission.ReadAll | Permission.EditAll | Permission.Decide)
            || (Owns(caller, createdBy) && held.HasAny(Permission.ReadOwn | Permission.EditOwn | Permission.CancelOwn));
        return visible ? null : ApprovalErrors.NotFound(approvalId);
    }

    /// <summary>
    /// Whether <see cref="CheckChange"/> needs to know if the approval's service rules allow self-approval: only when
    /// a person approves or rejects what they created.
    /// </summary>
    public static bool NeedsSelfApprovalCheck(Caller caller, string createdBy, Decision? decision) =>
        decision is Decision.Approve or Decision.Reject && Owns(caller, createdBy) && caller.IsPerson;

    /// <summary>Null when the caller may make this change to an approval it can see; otherwise 403.</summary>
    public static DomainError? CheckChange(
        Caller caller, string createdBy, bool editsDetails, bool editsComment, Decision? decision, bool selfApprovalAllowed)
    {
        var held = caller.Permissions;
        var own = Owns(caller, createdBy);
        var isEdit = editsDetails || (editsComment && decision is null);
        if (isEdit && !(held.HasAny(Permission.EditAll) || (own && held.HasAny(Permission.EditOwn))))
        {
            return Forbidden("The caller may not edit this approval.");
        }

        if (decision is not { } decided)
        {
            return null;
        }

        var mayDecide = held.HasAny(Permission.Decide) || (decided == Decision.Cancel && own && held.HasAny(Permission.CancelOwn));
        if (!mayDecide)
        {
            return Forbidden("The caller may not decide on this approval.");
        }

        if (NeedsSelfApprovalCheck(caller, createdBy, decided) && !selfApprovalAllowed)
        {
            return new DomainError(ErrorCodes.SelfApprovalForbidden,
                "The creator of an approval cannot approve or reject it; someone else has to decide.");
        }

        return null;
    }

    /// <summary>
    /// Null when <paramref name="caller"/> may cast <paramref name="voter"/>'s vote (their own, or as their delegate);
    /// otherwise 403. The four-eyes rule holds for votes: the creator may not approve or reject through a vote unless
    /// the service rules allow self-approval, and never through a delegation, in either direction.
    /// </summary>
    public static DomainError? CheckVote(string createdBy, Caller caller, VotingPerson voter, bool delegated, VoteChoice choice, bool selfApprovalAllowed)
    {
        if (delegated && (voter.Actor == createdBy || caller.Actor == createdBy))
        {
            return new DomainError(ErrorCodes.SelfApprovalForbidden,
                "Nobody votes on their own request through a delegation.");
        }

        return !delegated && voter.Actor == createdBy && !selfApprovalAllowed
            ? new DomainError(ErrorCodes.SelfApprovalForbidden,
                $"The creator of an approval cannot {(choice == VoteChoice.Approve ? "approve" : "reject")} it; someone else has to vote.")
            : null;
    }

    private static bool Owns(Caller caller, string createdBy) => createdBy == caller.Actor;

    private static DomainError Forbidden(string message) => new(ErrorCodes.Forbidden, message);
}
