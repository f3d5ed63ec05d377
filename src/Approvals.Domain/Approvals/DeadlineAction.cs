namespace Approvals.Domain;

/// <summary>
/// What happens when an approval's deadline passes while it is PENDING. The numbers are stored
/// (approvals.on_deadline, service_rules.on_deadline). Each action other than <see cref="None"/> is one case of
/// <see cref="Approval.FireTimer"/>, and its status change is a command of the transition table.
/// </summary>
public enum DeadlineAction : short
{
    /// <summary>Nothing: the deadline stays a date to sort and filter by.</summary>
    None = 0,

    /// <summary>Rejected by <c>system:deadline</c>, exactly as an approver's rejection (delivered, then REJECTED).</summary>
    Reject = 1,

    /// <summary>Cancelled by <c>system:deadline</c>, exactly as a cancellation (delivered, then CANCELLED).</summary>
    Cancel = 2,

    /// <summary>More approvers and more time (<see cref="Escalation"/>); only an approval's own setting, never a rule's default.</summary>
    Escalate = 3,
}

public static class DeadlineActions
{
    private static readonly string[] WireNames = ["none", "reject", "cancel", "escalate"];

    public static IReadOnlyList<DeadlineAction> All { get; } = Enum.GetValues<DeadlineAction>();

    /// <summary>The name clients send and see, such as <c>reject</c>.</summary>
    public static string ToWireName(this DeadlineAction action) => WireNames[(int)action];

    /// <summary>"none, reject or cancel": the values, for error messages.</summary>
    public static string Listed { get; } = $"{string.Join(", ", WireNames[..^1])} or {WireNames[^1]}";

    /// <summary>Whether a service rule may set this as its approvals' default: escalating needs the approval's own approvers.</summary>
    public static bool CanBeRuleDefault(this DeadlineAction action) => action != DeadlineAction.Escalate;

    public static bool TryParse(string? value, out DeadlineAction action)
    {
        var index = Array.IndexOf(WireNames, value);
        action = index < 0 ? default : (DeadlineAction)index;
        return index >= 0;
    }

    /// <summary>
    /// The action that applies to an approval: its own when it has one; otherwise the default of the first of its
    /// service rules, in the approval's order, that sets one (a rule set to <c>none</c> counts: it stops the search);
    /// otherwise <see cref="DeadlineAction.None"/>. Taken when the deadline passes, so a rule's new default applies
    /// to the approvals that follow their rules.
    /// </summary>
    /// <param name="ruleDefaults">The approval's service rules' defaults, in the approval's order (null: sets none).</param>
    public static DeadlineAction Effective(DeadlineAction? own, IReadOnlyList<DeadlineAction?> ruleDefaults) =>
        own ?? ruleDefaults.FirstOrDefault(d => d is not null) ?? DeadlineAction.None;
}
