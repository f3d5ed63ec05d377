using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>Helpers of the admin pages' forms.</summary>
public static class AdminForms
{
    /// <summary>
    /// A refusal that concerns one field without naming it (a name taken, users unknown) shown next to that field as
    /// well: <paramref name="error"/> with its message as the field's, when its code is one of <paramref name="codes"/>.
    /// </summary>
    public static DomainError OnField(DomainError error, string field, params string[] codes) =>
        error.FieldErrors is null && codes.Contains(error.Code)
            ? error with { FieldErrors = new Dictionary<string, string[]> { [field] = [error.Message] } }
            : error;

    /// <summary>Usernames typed one per line or separated by commas or spaces.</summary>
    public static string[] Usernames(string? text) =>
        (text ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
