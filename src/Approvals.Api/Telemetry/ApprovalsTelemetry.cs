using System.Diagnostics;
using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Telemetry;

/// <summary>
/// The service's own spans (ActivitySource <c>Approvals</c>) and the trace context that a delivery job carries from the
/// decision that queued it to its attempts, which run later in a dispatcher or a RabbitMQ worker (docs/observability.md).
/// </summary>
public static class ApprovalsTelemetry
{
    public const string SourceName = "Approvals";
    public const string DeliveryAttemptSpan = "approvals.delivery.attempt";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// The W3C <c>traceparent</c> of the current span, to be stored with what it queues; null when nothing listens to
    /// this service's spans (telemetry off) or no span is current.
    /// </summary>
    public static string? CurrentTraceParent() =>
        Source.HasListeners() && Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts the span of a job's attempt as a child of the span that queued the job, so that the webhook call (its
    /// HTTP client span, whose <c>traceparent</c> the downstream service continues) is in the decision's trace. A job
    /// queued untraced starts a trace of its own, never a child of whatever span happens to be ambient on the thread
    /// that runs it (handed-off jobs start without the request's execution context, but nothing else guarantees it).
    /// </summary>
    public static Activity? StartDeliveryAttempt(ClaimedJob job)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity.Current = null;
        ActivityContext.TryParse(job.TraceParent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity(DeliveryAttemptSpan, ActivityKind.Internal, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("approvals.approval.id", job.ApprovalId.ToString());
            activity.SetTag("approvals.delivery.job_id", job.Id.ToString());
            activity.SetTag("approvals.delivery.attempt", job.Attempt);
            activity.SetTag("approvals.service_rule.id", job.ServiceRuleId);
        }

        return activity;
    }

    /// <summary>What the attempt came to, on its span.</summary>
    public static void Finish(Activity? activity, DeliveryAttemptOutcome outcome)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("approvals.delivery.outcome", ApprovalsMetrics.OutcomeName(outcome.Verdict));
        if (outcome.ErrorCode is { } code)
        {
            activity.SetTag("error.type", code);
        }

        if (outcome.Verdict != AttemptVerdict.Succeeded)
        {
            activity.SetStatus(ActivityStatusCode.Error, outcome.Error);
        }
    }
}
