using System.Globalization;
using Approvals.Domain;

namespace Approvals.Api.Web;

/// <summary>How the pages write times and statuses for people.</summary>
public static class WebFormat
{
    /// <summary>A moment in UTC to the minute, e.g. "2026-12-08 14:05 UTC" (the page's script shows it in local time).</summary>
    public static string Moment(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The machine-readable form for <c>&lt;time datetime&gt;</c>.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>"in 3 days", "5 hours ago": how far <paramref name="at"/> is from <paramref name="now"/>, roughly.</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var span = at - now;
        var size = span.Duration();
        var words = size.TotalMinutes < 1 ? "less than a minute"
            : size.TotalHours < 1 ? Plural((int)size.TotalMinutes, "minute")
            : size.TotalDays < 1 ? Plural((int)size.TotalHours, "hour")
            : Plural((int)size.TotalDays, "day");
        return span >= TimeSpan.Zero ? $"in {words}" : $"{words} ago";
    }

    /// <summary>A status as people read it: "Pending", "Approved, being delivered", "Delivery failed".</summary>
    public static string Status(ApprovalStatus status) => status switch
    {
        ApprovalStatus.Pending => "Pending",
        ApprovalStatus.Approved => "Approved",
        ApprovalStatus.Rejected => "Rejected",
        ApprovalStatus.Cancelled => "Cancelled",
        ApprovalStatus.AcknowledgedApproved => "Approved, being delivered",
        ApprovalStatus.AcknowledgedRejected => "Rejected, being delivered",
        ApprovalStatus.AcknowledgedCancelled => "Cancelled, being delivered",
        ApprovalStatus.Error => "Delivery failed",
        _ => status.ToWireName(),
    };

    /// <summary>The CSS modifier of a status badge.</summary>
    public static string StatusClass(ApprovalStatus status) => status switch
    {
        ApprovalStatus.Pending => "status-pending",
        ApprovalStatus.Approved or ApprovalStatus.AcknowledgedApproved => "status-approved",
        ApprovalStatus.Rejected or ApprovalStatus.AcknowledgedRejected => "status-rejected",
        ApprovalStatus.Error => "status-error",
        _ => "status-other",
    };

    private static string Plural(int count, string unit) => count == 1 ? $"1 {unit}" : $"{count} {unit}s";
}
