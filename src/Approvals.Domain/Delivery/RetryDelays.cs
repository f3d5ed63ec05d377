namespace Approvals.Domain;

/// <summary>When a transiently failed job is tried again, from its service rule's retry schedule.</summary>
public static class RetryDelays
{
    /// <summary>Up to this fraction is added to a scheduled delay so that jobs failing together do not retry together.</summary>
    public const double JitterFraction = 0.2;

    /// <summary>A <c>Retry-After</c> longer than this is capped, so one answer cannot park a job for ever.</summary>
    public static TimeSpan MaxRetryAfter { get; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The delay before the next attempt, or null when the schedule is used up. <paramref name="stepsUsed"/> is the
    /// number of attempts the current round has made; the schedule's entry at that index is the next delay. Jitter
    /// only lengthens a delay, and a <c>Retry-After</c> from the service is honoured when it asks for longer.
    /// </summary>
    public static TimeSpan? Next(IReadOnlyList<int> schedule, int stepsUsed, TimeSpan? retryAfter, double random)
    {
        if (stepsUsed < 0 || stepsUsed >= schedule.Count)
        {
            return null;
        }

        var scheduled = TimeSpan.FromSeconds(schedule[stepsUsed] * (1 + (JitterFraction * Math.Clamp(random, 0, 1))));
        if (retryAfter is { } asked && asked > scheduled)
        {
            return asked < MaxRetryAfter ? asked : MaxRetryAfter;
        }

        return scheduled;
    }
}
