using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>
/// The words a person reads for a refused action: the pages explain a conflict ("another approver decided a moment
/// ago") instead of showing its code. Codes without words of their own show the error's message.
/// </summary>
public static class ProblemWords
{
    private static readonly Dictionary<string, string> ByCode = new(StringComparer.Ordinal)
    {
        [ErrorCodes.ValidationFailed] = FieldsNeedAttention,
        [ErrorCodes.ServiceRuleUnknown] = "A service rule you chose no longer exists or was disabled; choose again.",
        [ErrorCodes.AlreadyVoted] = "You have voted on this request already; a vote is final.",
        [ErrorCodes.SelfApprovalForbidden] = "You cannot approve your own request; someone else has to.",
        [ErrorCodes.NotAnApprover] = "You are not among the approvers who vote on this request now.",
        [ErrorCodes.StageClosed] = "The stage you could vote in is closed; the request has moved on.",
        [ErrorCodes.AwaitingDelivery] = "This request is being delivered and is locked.",
        [ErrorCodes.CommentOnly] = "This request is decided; only the comment can change now.",
        [ErrorCodes.InvalidTransition] = "This request has been decided already.",
        [ErrorCodes.VersionMismatch] = "Someone changed this request a moment ago; reload it and try again.",
        [ErrorCodes.ApprovalNotFound] = "This request does not exist, or it is not yours to see.",
        [ErrorCodes.WrongPassword] = "The current password is wrong.",
    };

    public const string FieldsNeedAttention = "Some fields need your attention.";

    public static string For(DomainError error) => ByCode.GetValueOrDefault(error.Code) ?? error.Message;
}
