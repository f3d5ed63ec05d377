using Approvals.Api.Persistence;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>
/// How deliveries to a service rule went over the last <see cref="DeliveryHealth.Hours"/> hours, from the attempt
/// log: how many attempts, how many failed, the share that succeeded (null without attempts) and the 95th percentile
/// of their durations; the same for each hour of the window, oldest first.
/// </summary>
public sealed record ServiceRuleHealthResponse(
    int ServiceRule,
    string Name,
    string Url,
    bool Enabled,
    DateTimeOffset From,
    DateTimeOffset To,
    long Attempts,
    long Failed,
    double? SuccessRate,
    double? P95LatencyMs,
    IReadOnlyList<HourHealthResponse> Hours);

/// <summary>One hour of a <see cref="ServiceRuleHealthResponse"/>'s window, starting at <see cref="From"/>.</summary>
public sealed record HourHealthResponse(DateTimeOffset From, long Attempts, long Failed, double? P95LatencyMs);

/// <summary>
/// The admins' read of the service rules' delivery health (<c>GET /api/v1/service-rules/{id}/health</c> and the
/// admin page of service rules). An attempt succeeded when the service accepted the decision; every other attempt,
/// refused, unanswered, timed out or aborted by a shutdown, failed. The window ends now (the <see cref="TimeProvider"/>'s).
/// </summary>
public sealed class DeliveryHealth(DeliveryJobStore jobs, TimeProvider clock)
{
    public const int Hours = 24;

    /// <summary>Every service rule, by id, with its health.</summary>
    public async Task<IReadOnlyList<ServiceRuleHealthResponse>> ForAllAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var figures = await jobs.HealthAsync(null, now, Hours, cancellationToken);
        return [.. figures.Select(f => Describe(f, now))];
    }

    public async Task<Result<ServiceRuleHealthResponse>> ForRuleAsync(int serviceRuleId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var figures = await jobs.HealthAsync(serviceRuleId, now, Hours, cancellationToken);
        return figures is [var rule] ? Describe(rule, now) : ServiceRuleNotFound(serviceRuleId);
    }

    internal static DomainError ServiceRuleNotFound(int id) =>
        new(ErrorCodes.ServiceRuleNotFound, $"Service rule {id} does not exist.");

    private static ServiceRuleHealthResponse Describe(ServiceRuleFigures rule, DateTimeOffset now)
    {
        var from = now - TimeSpan.FromHours(Hours);
        var hours = Enumerable.Range(0, Hours)
            .Select(hour => rule.Hours.TryGetValue(hour, out var figures)
                ? new HourHealthResponse(from.AddHours(hour), figures.Attempts, figures.Failed, Milliseconds(figures.P95LatencyMs))
                : new HourHealthResponse(from.AddHours(hour), 0, 0, null))
            .ToList();
        var window = rule.Window;
        return new ServiceRuleHealthResponse(
            rule.ServiceRuleId,
            rule.Name,
            rule.Url,
            rule.Enabled,
            from,
            now,
            window.Attempts,
            window.Failed,
            window.Attempts == 0 ? null : (double)(window.Attempts - window.Failed) / window.Attempts,
            Milliseconds(window.P95LatencyMs),
            hours);
    }

    /// <summary>A percentile interpolates between durations; a tenth of a millisecond is as exact as it is worth.</summary>
    private static double? Milliseconds(double? value) => value is { } ms ? Math.Round(ms, 1) : null;
}
