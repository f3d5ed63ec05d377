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
        [ErrorCodes.ApprovalNotFound] = "This request does not exist, or it is not yours to see.",
        [ErrorCodes.WrongPassword] = "The current password is wrong.",
        [ErrorCodes.DeliveryNotRetryable] = "This delivery cannot be sent again: it is no longer failed, or a later decision replaced it.",
        [ErrorCodes.DeliveryJobNotFound] = "This request has no such delivery.",
        [ErrorCodes.ApiClientNameTaken] = "That name is taken: API client names are never reused.",
        [ErrorCodes.GroupNameTaken] = "A group of that name exists already.",
        [ErrorCodes.UnknownUsers] = "Some of those people have no account here.",
        [ErrorCodes.VersionMismatch] = "This request changed a moment ago. Check it below, then try again.",
        [ErrorCodes.AwaitingDelivery] = "This request is being delivered and is locked until every service has the decision.",
        [ErrorCodes.CommentOnly] = "This request is final: only the comment can change now.",
        [ErrorCodes.InvalidTransition] = "This request cannot take that action in its current state.",
        [ErrorCodes.AlreadyVoted] = "You already voted in this stage (or your group's vote is already cast); a vote is final.",
        [ErrorCodes.NotAnApprover] = "You are not an approver of this stage, nor is anyone who delegated to you.",
        [ErrorCodes.StageClosed] = "Your stage is already approved; the next stage's approvers vote now.",
        [ErrorCodes.SelfApprovalForbidden] = "You cannot approve or reject your own request; someone else has to decide.",
        [ErrorCodes.NoApprovers] = "This request names no approvers; it is approved or rejected by a decision.",
        [ErrorCodes.Forbidden] = "Your account may not do this.",
    };

    public const string FieldsNeedAttention = "Some fields need your attention.";

    public static string For(DomainError error) => ByCode.GetValueOrDefault(error.Code) ?? error.Message;
}
