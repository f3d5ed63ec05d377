namespace Approvals.Domain;

/// <summary>
/// How far an approval's policy has come: its open stage (or the last one voted in, once decided), which of how many
/// stages that is, and the approvals that stage has of those it needs.
/// </summary>
public sealed record StageProgress(int Stage, int Stages, string Name, int Approvals, int Needed)
{
    /// <summary>Null when the approval names no approvers.</summary>
    /// <param name="membersOf">The members of the groups a stage counts by member (its seats are theirs).</param>
    public static StageProgress? Of(
        IReadOnlyList<ApprovalStage> stages, int? openStage, IReadOnlyList<Vote> votes, Func<string, IReadOnlyList<string>> membersOf)
    {
        if (stages.Count == 0 || openStage is not { } open || open < 0 || open >= stages.Count)
        {
            return null;
        }

        var stage = stages[open];
        var approvals = votes.Count(v => v.Stage == open && v.Choice == VoteChoice.Approve);
        return new StageProgress(open, stages.Count, stage.Name, approvals, PolicyRules.Required(stage.Policy, PolicyRules.Seats(stage, membersOf).Count));
    }
}
