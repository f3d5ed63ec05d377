using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>
/// Why a post from a page showing an older version of the approval was refused (<c>approval.version_mismatch</c>), in
/// words: what happened since the page was shown, read from the timeline's events after that version. Another
/// approver's decision comes first, since it is what makes the action moot.
/// </summary>
public static class StalePageWords
{
    public static string For(DomainError error, IReadOnlyList<TimelineEntry> timeline, int shownVersion, Caller caller)
    {
        var since = timeline.Where(e => e.Sequence > shownVersion).ToList();
        if (since.LastOrDefault(e => e.Type == ApprovalEventType.Decided) is { } decided)
        {
            return decided.Actor == caller.Actor ? $"You already {decided.What} a moment ago, in another window."
                : decided.Actor.StartsWith(Caller.SystemPrefix, StringComparison.Ordinal) ? $"This request was decided a moment ago: {decided.Who} {decided.What}."
                : $"Another approver decided a moment ago: {decided.Who} {decided.What}.";
        }

        if (since.LastOrDefault(e => e.Type == ApprovalEventType.VoteCast && e.Actor != caller.Actor) is { } voted)
        {
            return $"Another approver voted a moment ago: {voted.Who} {voted.What}. Check the votes below, then try again.";
        }

        return ProblemWords.For(error);
    }
}
