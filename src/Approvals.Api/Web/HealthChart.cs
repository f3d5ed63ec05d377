using System.Globalization;
using Approvals.Api.Features;

namespace Approvals.Api.Web;

/// <summary>One hour's bar: the attempts that succeeded at the bottom, the failed ones stacked on top (SVG units, as text).</summary>
public sealed record HealthBar(HourHealthResponse Hour, string X, string SucceededY, string SucceededHeight, string FailedY, string FailedHeight);

/// <summary>
/// The service rules page's small chart of a rule's attempts per hour, drawn on the server as inline SVG with
/// presentation attributes only (the pages' CSP forbids style attributes), and the words that go with it.
/// </summary>
public static class HealthChart
{
    public const int Width = 240;
    public const int Height = 48;
    private const int PlotHeight = Height - 2;
    private const double BarGap = 2;

    public static string ViewBox => $"0 0 {Width} {Height}";

    /// <summary>The bars of <paramref name="health"/>'s hours, scaled to its busiest hour.</summary>
    public static IReadOnlyList<HealthBar> Bars(ServiceRuleHealthResponse health)
    {
        var busiest = Math.Max(1, health.Hours.Max(h => h.Attempts));
        var slot = (double)Width / health.Hours.Count;
        return [.. health.Hours.Select((hour, index) =>
        {
            var succeeded = PlotHeight * (hour.Attempts - hour.Failed) / busiest;
            var failed = PlotHeight * (double)hour.Failed / busiest;
            return new HealthBar(
                hour,
                Number(index * slot + BarGap / 2),
                Number(PlotHeight - succeeded),
                Number(succeeded),
                Number(PlotHeight - succeeded - failed),
                Number(failed));
        })];
    }

    public static string BarWidth(ServiceRuleHealthResponse health) => Number((double)Width / health.Hours.Count - BarGap);

    /// <summary>What the chart shows, in words: its text alternative.</summary>
    public static string Description(ServiceRuleHealthResponse health)
    {
        var busiest = health.Hours.MaxBy(h => h.Attempts)!;
        return health.Attempts == 0
            ? $"No delivery attempts to {health.Name} in the last {DeliveryHealth.Hours} hours."
            : $"Attempts per hour to {health.Name} over the last {DeliveryHealth.Hours} hours: {Count(health.Attempts, "attempt")}, "
              + $"{health.Failed} failed; the busiest hour had {Count(busiest.Attempts, "attempt")}, starting {WebFormat.Moment(busiest.From)}.";
    }

    /// <summary>"97.5 %", or a dash when there were no attempts.</summary>
    public static string Percent(double? rate) =>
        rate is { } value ? (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %" : "–";

    /// <summary>"1,250 ms", or a dash when there were no attempts.</summary>
    public static string Milliseconds(double? ms) =>
        ms is { } value ? value.ToString("#,0.#", CultureInfo.InvariantCulture) + " ms" : "–";

    private static string Count(long count, string unit) => count == 1 ? $"1 {unit}" : $"{count} {unit}s";

    private static string Number(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
