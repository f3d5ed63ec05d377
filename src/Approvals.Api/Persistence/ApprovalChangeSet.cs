using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Persistence;

/// <summary>
/// What one change to an approval writes (<see cref="ApprovalStore.SaveAsync"/>): the aggregate's new state and
/// events over the row it was read from, and for a decision the superseded and the new delivery jobs.
/// </summary>
/// <summary>The lease a handed-off job is written under: its dispatcher, and that dispatcher's lease duration.</summary>
public sealed record HandOffLease(string Owner, TimeSpan Duration);

public sealed class ApprovalChangeSet(ApprovalRecord record, Approval changed)
{
    /// <summary>The row as read under its lock; the save sets it to the aggregate's new state.</summary>
    public ApprovalRecord Record => record;

    /// <summary>The aggregate after the change: its state and the events it raised are what is written.</summary>
    public Approval Changed => changed;

    /// <summary>Set (to the time) when a new decision supersedes the open jobs of the previous one.</summary>
    public DateTimeOffset? OpenJobsSupersededAt { get; set; }

    /// <summary>The new decision's jobs; their <see cref="DeliveryJob.NextAttemptAt"/> is filled in by the save.</summary>
    public List<DeliveryJob> NewJobs { get; } = [];

    /// <summary>
    /// Set when this process's dispatcher takes the new jobs that are due at once (<see cref="DeliveryHandOff"/>):
    /// they are written leased to it.
    /// </summary>
    public HandOffLease? HandOff { get; set; }

    /// <summary>The new jobs written leased to the <see cref="HandOff"/> dispatcher, as its claim would have returned them.</summary>
    public List<ClaimedJob> HandedOffJobs { get; } = [];
}
