using System.ComponentModel.DataAnnotations;

namespace Approvals.Api.Timers;

/// <summary>
/// Settings of the timer loop (section <c>Timers</c>), which fires deadlines and reminders in every process that
/// delivers (<c>Delivery:Enabled</c>, role <c>all</c> or <c>worker</c>), on both transports.
/// </summary>
public sealed class TimerOptions
{
    public const string Section = "Timers";

    /// <summary>The most approvals one pass locks and fires the due timers of, in one transaction.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// The longest a loop sleeps without looking for the next due timer. Timers committed in this process wake it at
    /// once; this bounds how late a timer scheduled by another process (an API-only one) can fire.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an approval whose timers failed to fire on their own is left out before the next try.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FailedRetryDelay { get; set; } = TimeSpan.FromMinutes(1);
}
