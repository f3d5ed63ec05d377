using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Persistence;

/// <summary>Between the stored row (<see cref="ApprovalRecord"/>) and the domain's <see cref="Approval"/> aggregate.</summary>
internal static class ApprovalRecordMapping
{
    public static Approval ToAggregate(this ApprovalRecord record) => Approval.Load(
        record.Id, record.Title, record.Description, record.Comment, record.Status, record.PreviousStatus, record.Deadline,
        record.CreatedBy, record.CreatedAt, record.Version, record.CurrentDecisionId, record.LastError,
        [.. record.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId)], record.OnDeadline, record.RemindBefore,
        record.ParsedStages(), record.OpenStage, record.ParsedVotes(), record.ParsedEscalation());

    /// <summary>A new record holding the aggregate's state (without <see cref="ApprovalRecord.UpdatedAt"/>, which the database sets).</summary>
    public static ApprovalRecord ToRecord(this Approval approval)
    {
        var record = new ApprovalRecord { Title = approval.Title, Description = approval.Description, CreatedBy = approval.CreatedBy };
        record.CopyFrom(approval);
        return record;
    }

    /// <summary>Sets the record's fields to the aggregate's state after an operation.</summary>
    public static void CopyFrom(this ApprovalRecord record, Approval approval)
    {
        record.Id = approval.Id;
        record.Title = approval.Title;
        record.Description = approval.Description;
        record.Comment = approval.Comment;
        record.Status = approval.Status;
        record.PreviousStatus = approval.PreviousStatus;
        record.Deadline = approval.Deadline;
        record.CreatedBy = approval.CreatedBy;
        record.CreatedAt = approval.CreatedAt;
        record.Version = approval.Version;
        record.CurrentDecisionId = approval.CurrentDecisionId;
        record.LastError = approval.LastError;
        record.SetPolicy(approval.Stages, approval.Votes, approval.Escalation);
        record.OpenStage = (short?)approval.OpenStage;
        record.OpenSeats = approval.OpenSeats is { } seats ? [.. seats] : null;
        record.OnDeadline = approval.OnDeadline;
        record.RemindBefore = [.. approval.RemindBefore.Select(r => r.Text)];
        if (record.ServiceRules.Count != approval.ServiceRules.Count
            || !record.ServiceRules.OrderBy(r => r.Position).Select(r => r.ServiceRuleId).SequenceEqual(approval.ServiceRules))
        {
            record.ServiceRules = [.. approval.ServiceRules.Select((id, position) =>
                new ApprovalServiceRule { ApprovalId = approval.Id, ServiceRuleId = id, Position = position })];
        }
    }
}
