using Approvals.Api.Contracts;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Webhooks;

/// <summary>
/// The body sent to a service: the original contract's <c>id</c> and numeric <c>status</c> (3, 4 or 5), plus the
/// <c>event</c> name and the full approval as API v1 shows it.
/// </summary>
public sealed record WebhookPayload(Guid Id, int Status, string Event, ApprovalResponse Approval)
{
    public static WebhookPayload For(ApprovalRecord approval, ApprovalStatus requested) =>
        new(approval.Id, (int)requested, EventName(requested), ApprovalResponse.From(approval));

    public static string EventName(ApprovalStatus requested) => requested switch
    {
        ApprovalStatus.Approved => "approval.approved",
        ApprovalStatus.Rejected => "approval.rejected",
        ApprovalStatus.Cancelled => "approval.cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "Only final statuses are delivered."),
    };
}
