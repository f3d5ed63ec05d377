using System.ComponentModel.DataAnnotations;
using Approvals.Api.Persistence;

namespace Approvals.Api.Outbox;

/// <summary>
/// Settings of the delivery dispatcher (section <c>Delivery</c>). The dispatcher runs inside ApprovalService unless
/// <c>Delivery:Enabled=false</c> (or <c>--role api</c>); <c>--role dispatcher</c> runs a process that only
/// dispatches. Any number of dispatchers may share one database: they split the jobs by row locks and leases.
/// </summary>
public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Lets webhooks go to addresses that are not public (loopback, private, link-local, unique-local, metadata and the
    /// other ranges of <see cref="Approvals.Domain.WebhookTargetRules"/>). Off by default: a service rule's URL is then
    /// refused when it is saved (422 <c>service_rule.url_forbidden</c>) and a delivery whose host resolves to such an
    /// address fails (<c>delivery.url_forbidden</c>), and deliveries use no HTTP proxy (the check is on the address
    /// actually connected to). The demo (run.sh) and the tests turn it on: their downstream service is on 127.0.0.1.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// How long a claimed job belongs to its dispatcher before another may take it over (the owner is presumed dead).
    /// A job's lease is never shorter than its rule's timeout plus <see cref="LeaseMargin"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The safety net: the longest the dispatcher sleeps without looking for due jobs. Commits wake it at once
    /// (PostgreSQL NOTIFY) and retries wake it when they fall due, so this only matters if a notification is lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Jobs one dispatcher sends at the same time.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// Names this dispatcher in job leases. Defaults to host, process and a random suffix, so a restarted process
    /// never mistakes its predecessor's leases for its own.
    /// </summary>
    [StringLength(150, MinimumLength = 1)]
    public string? OwnerId { get; set; }

    public static TimeSpan LeaseMargin => DeliveryJobStore.LeaseMargin;

    internal string ResolveOwnerId() =>
        OwnerId ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}
