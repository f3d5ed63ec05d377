using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Approvals.Domain;

namespace Approvals.Api.Persistence.Sql;

/// <summary>
/// How the statements in <c>Persistence/Sql/*.sql</c> are written, for the service (<see cref="SqlStatement"/>) and
/// for the benchmark, which compiles this file too and builds its pgbench scripts from the same files
/// (bench/pgbench), so the two cannot drift:
/// <list type="bullet">
/// <item><c>:name</c> is a parameter (pgbench's variable syntax; <c>::type</c> casts are not parameters).</item>
/// <item><c>{DeliveryState.Pending}</c>, <c>{ApprovalStatus.Approved}</c>: a stored enum's value, written into the
/// text when it is loaded, so no number is typed by hand and the planner can still match partial indexes, whose
/// predicates name the values.</item>
/// <item><c>--</c> lines are comments and are not sent.</item>
/// </list>
/// </summary>
public static partial class SqlTemplate
{
    /// <summary>The statement as sent: comments removed and enum placeholders replaced by their stored values.</summary>
    public static string Expand(string template)
    {
        var lines = template.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal) && line.Trim().Length > 0);
        var text = string.Join('\n', lines).Trim().TrimEnd(';');
        return EnumPlaceholder().Replace(text, match => StoredValue(match.Groups[1].Value, match.Groups[2].Value));
    }

    /// <summary>The names of the statement's parameters, in order of first appearance.</summary>
    public static IReadOnlyList<string> ParameterNames(string text)
    {
        var names = new List<string>();
        foreach (Match match in Parameter().Matches(text))
        {
            if (!names.Contains(match.Groups[1].Value))
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    /// <summary>Replaces each <c>:name</c> with <paramref name="replacement"/>'s answer for it (or leaves it when null).</summary>
    public static string ReplaceParameters(string text, Func<string, string?> replacement) =>
        Parameter().Replace(text, match => replacement(match.Groups[1].Value) ?? match.Value);

    private static string StoredValue(string type, string member) => type switch
    {
        nameof(ApprovalStatus) => ((short)Enum.Parse<ApprovalStatus>(member)).ToString(CultureInfo.InvariantCulture),
        nameof(DeliveryState) => ((short)Enum.Parse<DeliveryState>(member)).ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"{{{type}.{member}}} names no stored enum."),
    };

    [GeneratedRegex(@"\{(ApprovalStatus|DeliveryState)\.([A-Za-z]+)\}")]
    private static partial Regex EnumPlaceholder();

    // A colon that is not part of a :: cast, followed by a name.
    [GeneratedRegex(@"(?<![:\w]):([a-z_][a-z0-9_]*)")]
    private static partial Regex Parameter();
}
