namespace Approvals.Domain;

/// <summary>
/// What a caller asks to create. Nulls are reported as missing fields, not thrown; a null
/// <paramref name="OnDeadline"/> follows the service rules' default, a null <paramref name="RemindBefore"/> is none.
/// </summary>
/// <param name="Stages">The approvers and policy as stages; null names no approvers (anyone allowed decides alone).</param>
/// <param name="StagesField">The request field the stages came from (<c>approvers</c> or <c>stages</c>), for errors.</param>
public sealed record ApprovalDraft(
    string? Title,
    string? Description,
    DateTimeOffset? Deadline,
    string? Comment,
    IReadOnlyList<int>? ServiceRules,
    DeadlineAction? OnDeadline = null,
    IReadOnlyList<string>? RemindBefore = null,
    IReadOnlyList<ApprovalStage>? Stages = null,
    string StagesField = "stages",
    Escalation? Escalation = null);

/// <summary>Fields a caller wants to set; a null field is left as it is.</summary>
public sealed record ApprovalEdit(
    string? Title = null,
    string? Description = null,
    DateTimeOffset? Deadline = null,
    string? Comment = null,
    IReadOnlyList<int>? ServiceRules = null,
    OnDeadlineEdit? OnDeadline = null,
    IReadOnlyList<string>? RemindBefore = null,
    IReadOnlyList<ApprovalStage>? Stages = null,
    string StagesField = "stages",
    EscalationEdit? Escalation = null);

/// <summary>The approval's escalation after an edit; a null <paramref name="Value"/> removes it.</summary>
public readonly record struct EscalationEdit(Escalation? Value);

/// <summary>The approval's own <c>onDeadline</c> after an edit; a null <paramref name="Action"/> follows its service rules' default.</summary>
public readonly record struct OnDeadlineEdit(DeadlineAction? Action);

/// <summary>
/// One request's change to an approval: an edit, a decision, or both (the original PUT allowed both at once).
/// <paramref name="ExpectedVersions"/> comes from <c>If-Match</c>; when set, any other version is refused with 412.
/// </summary>
public sealed record ApprovalChange(ApprovalEdit Edit, Decision? Decision = null, ExpectedVersions? ExpectedVersions = null);

/// <summary>
/// The versions a change may apply to (the strong ETags of an <c>If-Match</c> list); none at all when it named only
/// tags that can never match, so the change is refused whatever the version.
/// </summary>
public sealed class ExpectedVersions(params int[] versions)
{
    public IReadOnlyList<int> Versions => versions;

    public bool Includes(int version) => Array.IndexOf(versions, version) >= 0;
}

/// <summary>
/// What a change needs to know beyond the approval itself, looked up by the use case before it asks the aggregate:
/// the time, which of the new service rules exist and are enabled, whether the approval's rules allow its creator
/// to decide it, and the members of the groups new stages count by member.
/// </summary>
public sealed record ChangeFacts(
    DateTimeOffset Now,
    IReadOnlyCollection<int>? UsableServiceRules = null,
    bool SelfApprovalAllowed = false,
    Func<string, IReadOnlyList<string>>? MembersOf = null);

/// <summary>A decision the aggregate took: the use case queues one delivery job per service rule for it.</summary>
/// <param name="SupersedesEarlier">An earlier decision's open jobs stop counting.</param>
public sealed record DecisionTaken(Guid DecisionId, Decision Decision, bool SupersedesEarlier);

/// <summary>How a delivery job ended, as the dispatcher reports it to the aggregate.</summary>
public sealed record DeliveryOutcome(
    Guid JobId,
    Guid DecisionId,
    int ServiceRule,
    bool Succeeded,
    int Attempts,
    ApprovalStatus? ReportedStatus = null,
    string? ErrorCode = null,
    string? Error = null);

/// <summary>The job an admin asks to send again, as stored, and whether its service rule is enabled now.</summary>
public sealed record RedeliveryTarget(Guid JobId, Guid DecisionId, int ServiceRule, DeliveryState State, ApprovalStatus RequestedStatus, bool RuleEnabled);
