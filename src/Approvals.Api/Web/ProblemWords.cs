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
        [ErrorCodes.ValidationFailed] = "Some fields need your attention.",
        [ErrorCodes.WrongPassword] = "The current password is wrong.",
        [ErrorCodes.DeliveryNotRetryable] = "This delivery cannot be sent again: it is no longer failed, or a later decision replaced it.",
        [ErrorCodes.DeliveryJobNotFound] = "This request has no such delivery.",
        [ErrorCodes.ApiClientNameTaken] = "That name is taken: API client names are never reused.",
        [ErrorCodes.GroupNameTaken] = "A group of that name exists already.",
        [ErrorCodes.UnknownUsers] = "Some of those people have no account here.",
    };

    public static string For(DomainError error) => ByCode.GetValueOrDefault(error.Code) ?? error.Message;
}
