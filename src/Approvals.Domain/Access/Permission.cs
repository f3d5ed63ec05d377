namespace Approvals.Domain;

/// <summary>
/// What a caller may do, derived from its roles (people) or scopes (service keys). Endpoint policies and
/// <see cref="ApprovalAccessRules"/> ask for permissions, so roles and scopes are translated in exactly one place.
/// "Own" permissions apply to approvals the caller created.
/// </summary>
[Flags]
public enum Permission
{
    None = 0,
    ReadOwn = 1 << 0,
    ReadAll = 1 << 1,
    Create = 1 << 2,
    EditOwn = 1 << 3,
    EditAll = 1 << 4,
    CancelOwn = 1 << 5,

    /// <summary>Approve, reject or cancel any approval (subject to the no-self-approval rule).</summary>
    Decide = 1 << 6,

    /// <summary>Service rules, API clients, redelivery.</summary>
    Administer = 1 << 7,

    All = ReadOwn | ReadAll | Create | EditOwn | EditAll | CancelOwn | Decide | Administer,
}

public static class PermissionExtensions
{
    public static bool HasAny(this Permission held, Permission wanted) => (held & wanted) != 0;
}
