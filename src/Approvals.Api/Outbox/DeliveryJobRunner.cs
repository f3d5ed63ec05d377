using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Telemetry;
using Approvals.Api.Webhooks;
using Approvals.Domain;

namespace Approvals.Api.Outbox;

/// <summary>A claimed job with what sending it needs: its service rule and the request.</summary>
public sealed record PreparedDelivery(ServiceRule Rule, WebhookRequest Request);

/// <summary>
/// Runs one claimed job: prepare the request, send it, record the outcome. One scope per job, whose unit of work this
/// runner owns: it commits what the recorder wrote. The attempt is a span of the decision's trace (docs/observability.md).
/// </summary>
public sealed partial class DeliveryJobRunner(
    ApprovalStore approvals, WebhookSender sender, DeliveryRecorder recorder, UnitOfWork unit, ApprovalsMetrics metrics, TimeProvider clock,
    ILogger<DeliveryJobRunner> logger)
{
    /// <summary>Runs the job; true when it is due again later (a retry was scheduled, or it was handed back).</summary>
    /// <param name="abort">Fires when the dispatcher must stop now; the job is then handed back rather than recorded.</param>
    public async Task<bool> RunAsync(ClaimedJob job, string owner, CancellationToken abort)
    {
        var prepared = await PrepareAsync(job, abort);
        if (prepared is null)
        {
            // A new decision superseded this job between claim and send (the workflow marked it superseded).
            LogStale(logger, job.Id, job.ApprovalId);
            return false;
        }

        // Only what is attempted is a span of the decision's trace; a superseded job is none.
        using var activity = ApprovalsTelemetry.StartDeliveryAttempt(job);

        var startedAt = clock.GetUtcNow();
        DeliveryAttemptOutcome outcome;
        try
        {
            if (!prepared.Rule.Enabled)
            {
                // Disabled since the decision: nothing is sent, and the job fails (docs/events.md, "Disabled service rules").
                LogRuleDisabled(logger, job.Id, job.ApprovalId, job.ServiceRuleId);
                outcome = DeliveryAttemptOutcome.RuleDisabled(job.ServiceRuleId, startedAt);
                ApprovalsTelemetry.Finish(activity, outcome);
            }
            else
            {
                outcome = await sender.SendAsync(prepared.Request, abort);
                metrics.Attempted(job, outcome, activity);
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            await recorder.ReleaseAsync(job, owner, startedAt, CancellationToken.None);
            await unit.CommitAsync(CancellationToken.None);
            return true;
        }

        // Recording must not be abandoned half-way by a shutdown: the attempt already happened.
        var dueAgain = await recorder.RecordAsync(job, owner, prepared.Rule, outcome, CancellationToken.None);
        await unit.CommitAsync(CancellationToken.None);
        return dueAgain;
    }

    /// <summary>Loads the rule and the approval and builds the signed request body; null when the job no longer counts.</summary>
    public async Task<PreparedDelivery?> PrepareAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        var (approval, rule) = await approvals.ReadForDeliveryAsync(job.ApprovalId, job.ServiceRuleId, cancellationToken);
        if (rule is null || approval is null || approval.CurrentDecisionId != job.DecisionId)
        {
            return null;
        }

        var request = WebhookRequest.ForJob(job.Id, approval, job.RequestedStatus, rule);
        return new PreparedDelivery(rule, request);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery job {JobId} of approval {ApprovalId} not sent: service rule {ServiceRuleId} is disabled; the job fails")]
    private static partial void LogRuleDisabled(ILogger logger, Guid jobId, Guid approvalId, int serviceRuleId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery job {JobId} of approval {ApprovalId} no longer counts (superseded); not sent")]
    private static partial void LogStale(ILogger logger, Guid jobId, Guid approvalId);
}
