using System.Globalization;
using System.Text.RegularExpressions;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>A scrape of <c>/metrics</c>, read as the Prometheus text format (version 0.0.4) is written.</summary>
public sealed partial class PrometheusText(string text)
{
    public string Text { get; } = text;

    /// <summary>The samples of <paramref name="name"/> (labels and value), in the order written.</summary>
    public List<(Dictionary<string, string> Labels, double Value)> Samples(string name)
    {
        var samples = new List<(Dictionary<string, string>, double)>();
        foreach (Match line in Sample().Matches(Text))
        {
            if (line.Groups["name"].Value != name)
            {
                continue;
            }

            var labels = Label().Matches(line.Groups["labels"].Value).ToDictionary(l => l.Groups["key"].Value, l => l.Groups["value"].Value);
            samples.Add((labels, double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> that have all of <paramref name="labels"/> (0 when none has).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples(name).Where(s => labels.All(l => s.Labels.TryGetValue(l.Key, out var value) && value == l.Value)).Sum(s => s.Value);

    /// <summary>Lines that are neither comments (<c># HELP</c>, <c># TYPE</c>, <c># EOF</c>), blank, nor well-formed samples.</summary>
    public List<string> MalformedLines() =>
        [.. Text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#') && !WholeSample().IsMatch(l))];

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([^""}]|""([^""\\]|\\.)*"")*)\})? (?<value>[-+0-9.eE]+|NaN|[+-]Inf)( -?\d+)?$", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*\})? ([-+0-9.eE]+|NaN|[+-]Inf)( -?\d+)?$")]
    private static partial Regex WholeSample();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>([^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
