using System.Globalization;
using Approvals.Domain;

namespace Approvals.Bench;

/// <summary>
/// -D values for the pgbench scripts, as text PostgreSQL parses into the parameter's type (pgbench sends every
/// variable as untyped text). Enum values always come from the domain's enums, never from typed numbers.
/// </summary>
internal static class PgbenchValues
{
    public static string Stored(ApprovalStatus status) => ((short)status).ToString(CultureInfo.InvariantCulture);

    public static string Stored(DeliveryState state) => ((short)state).ToString(CultureInfo.InvariantCulture);

    public static string Stored(TimerKind kind) => ((short)kind).ToString(CultureInfo.InvariantCulture);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Timestamp(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>An interval, as <c>hh:mm:ss</c>.</summary>
    public static string Interval(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>An array literal such as <c>{"a","b",NULL}</c>, each element quoted (which every element type accepts).</summary>
    public static string Array(params string?[] elements) =>
        "{" + string.Join(',', elements.Select(e => e is null ? "NULL" : "\"" + e.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}";
}
