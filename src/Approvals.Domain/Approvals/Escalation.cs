namespace Approvals.Domain;

/// <summary>
/// What <c>onDeadline: escalate</c> does when the deadline passes while the approval is PENDING: it adds
/// <paramref name="Approvers"/> to the open stage (an approval without approvers gets them as its one stage, any of them
/// deciding), moves the deadline on by <paramref name="ExtendBy"/> (an ISO 8601 duration, read as reminders are), and
/// from then on the deadline does <paramref name="Then"/>. An approval escalates once.
/// </summary>
public sealed record Escalation(IReadOnlyList<Approver> Approvers, Reminder ExtendBy, DeadlineAction Then)
{
    /// <summary>Checks an escalation against the approval's own <c>onDeadline</c>: each needs the other.</summary>
    public static void Check(Escalation? escalation, DeadlineAction? onDeadline, FieldErrors errors)
    {
        if (onDeadline == DeadlineAction.Escalate && escalation is null)
        {
            errors.Add("escalation", "'onDeadline: escalate' needs an escalation: {approvers, extendBy, then?}.");
        }

        if (escalation is null)
        {
            return;
        }

        if (onDeadline != DeadlineAction.Escalate)
        {
            errors.Add("escalation", "An escalation applies only with 'onDeadline: escalate'.");
        }

        PolicyRules.CheckApprovers(escalation.Approvers, errors, "escalation.approvers");
        if (escalation.ExtendBy.Before <= TimeSpan.Zero || escalation.ExtendBy.Before > Reminder.MaxBefore)
        {
            errors.Add("escalation.extendBy", "Must be a positive ISO 8601 duration of at most 366 days, such as PT24H.");
        }

        if (escalation.Then == DeadlineAction.Escalate)
        {
            errors.Add("escalation.then", "An approval escalates once; then is none, reject or cancel.");
        }
    }
}
