using Approvals.Api.Persistence;
using Approvals.Api.Telemetry;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>What one pass of a timer loop did.</summary>
/// <param name="Approvals">Approvals claimed (locked, with due timers); the claim's limit means more may be due.</param>
public sealed record TimerPass(int Approvals, int Acted, int Stale, int NothingToDo);

/// <summary>
/// The use case that fires due timers (deadlines that act, reminders): in the unit of work its owner (the timer loop)
/// commits, it claims approvals with due timers (locked, their due timers taken), asks each approval's aggregate to
/// fire them, and writes what they did: the new state, the events, a deadline decision's delivery jobs. The timers'
/// deletion and their effects commit together or not at all, so each timer fires exactly once.
/// </summary>
public sealed partial class DeadlineTimers(UnitOfWork unit, TimeProvider clock, ApprovalsMetrics metrics, ILogger<DeadlineTimers> logger)
{
    /// <param name="claimed">Filled with the claimed approvals as soon as they are locked, so a caller whose pass
    /// fails knows which approvals it was about.</param>
    /// <param name="exclude">Approvals not to claim (whose timers recently failed to fire).</param>
    public async Task<TimerPass> FireDueAsync(int limit, int scan, IReadOnlyCollection<Guid> exclude, List<Guid> claimed, CancellationToken cancellationToken)
    {
        var now = Timestamps.ToStoredPrecision(clock.GetUtcNow());
        var due = await ApprovalStore.ClaimDueTimersAsync(unit, now, limit, scan, exclude, cancellationToken);
        claimed.AddRange(due.Select(d => d.Approval.Id));
        var changes = new List<ApprovalChangeSet>();
        int acted = 0, stale = 0, nothing = 0;
        foreach (var (record, ruleDefaults, timers) in due)
        {
            var approval = record.ToAggregate();
            foreach (var timer in timers)
            {
                var outcome = approval.FireTimer(timer, ruleDefaults, now);
                LogFired(logger, timer.Kind, timer.ApprovalId, timer.Deadline, timer.BeforeDeadline, outcome);
                switch (outcome)
                {
                    case TimerOutcome.Acted:
                        acted++;
                        break;
                    case TimerOutcome.Stale:
                        stale++;
                        break;
                    default:
                        nothing++;
                        break;
                }
            }

            if (approval.Events.Count == 0)
            {
                continue;
            }

            var write = new ApprovalChangeSet(record, approval);
            if (approval.DecisionTaken is { } decision)
            {
                ApprovalWorkflow.QueueDeliveries(write, decision, now);
                metrics.CountOnCommit(unit, decision);
            }

            changes.Add(write);
        }

        await ApprovalStore.SaveAllAsync(unit, changes, cancellationToken);
        return new TimerPass(due.Count, acted, stale, nothing);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} timer of approval {ApprovalId} (deadline {Deadline}, {BeforeDeadline} before it): {Outcome}")]
    private static partial void LogFired(ILogger logger, TimerKind kind, Guid approvalId, DateTimeOffset deadline, TimeSpan beforeDeadline, TimerOutcome outcome);
}
