using System.Globalization;

namespace Approvals.Bench;

/// <summary>
/// Whether decisions had their effects once, from both databases: each accepted decision recorded exactly once in
/// the history, each decided approval at the final status its decision asked for (none stuck in ACKNOWLEDGED_* or in
/// ERROR), and UserService holding each final decision with its status and one distinct webhook-id per delivery job.
/// A webhook-id received more than once (an attempt made again after a crash, which UserService deduplicates) is
/// counted and reported, not failed.
/// </summary>
internal static class EffectChecks
{
    public static IEnumerable<TargetCheck> Of(IReadOnlyList<DecisionSent> sent, IReadOnlyList<DecisionOutcome> outcomes)
    {
        var byId = outcomes.ToDictionary(o => o.Id);
        var accepted = sent.Where(s => s.Accepted).ToList();
        var expectedStatus = sent.ToDictionary(s => s.ApprovalId, s => DecisionClient.FinalStatusOf(s.Decision));
        var decided = outcomes.Where(o => o.Status != DecisionOutcome.Pending).ToList();
        var wrongFinal = decided.Count(o => o.IsFinal && o.Status != expectedStatus[o.Id]);
        var acknowledged = decided.Count(o => o.IsAcknowledged);
        var errors = decided.Count(o => o.Status == DecisionOutcome.Error);
        var decidedTwice = outcomes.Count(o => o.Decisions > 1);
        var lostAccepted = accepted.Count(s => byId.GetValueOrDefault(s.ApprovalId) is not { Decisions: 1 });
        yield return new TargetCheck($"no accepted decision lost: each recorded exactly once in the history ({lostAccepted:N0} lost, {decidedTwice:N0} recorded twice)", lostAccepted == 0 && decidedTwice == 0);
        yield return new TargetCheck(string.Create(CultureInfo.InvariantCulture,
            $"every decided approval at its final status ({decided.Count(o => o.IsFinal) - wrongFinal:N0} of {decided.Count:N0}; {acknowledged:N0} stuck in ACKNOWLEDGED_*, {errors:N0} in ERROR, {wrongFinal:N0} at another final status)"),
            acknowledged == 0 && errors == 0 && wrongFinal == 0 && decided.All(o => o.IsFinal));

        if (outcomes.Count > 0 && outcomes.All(o => o.WebhooksReceived is null))
        {
            yield return new TargetCheck("UserService's records checked (its tables are not in the benchmark's database: run without --user-service-url)", false);
            yield break;
        }

        var final = decided.Where(o => o.IsFinal).ToList();
        var notRecorded = final.Count(o => o.ReceivedStatus is null);
        var recordedOtherwise = final.Count(o => o.ReceivedStatus is { } status && status != o.Status);
        var webhookMismatch = final.Count(o => o.WebhooksReceived != o.Jobs);
        yield return new TargetCheck(string.Create(CultureInfo.InvariantCulture,
            $"UserService recorded each final decision exactly once, with one delivery per job ({final.Count - notRecorded - recordedOtherwise:N0} of {final.Count:N0} recorded with their status; " +
            $"{final.Sum(o => o.Jobs):N0} jobs, {final.Sum(o => o.WebhooksReceived ?? 0):N0} distinct webhook-ids received, {final.Sum(o => o.WebhookRepeats ?? 0):N0} of them again; " +
            $"{webhookMismatch:N0} approvals with a different count)"),
            notRecorded == 0 && recordedOtherwise == 0 && webhookMismatch == 0);
    }
}
