using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Approvals.Api.Persistence;

/// <summary>
/// One approval event as a CloudEvents 1.0 event in the JSON format (structured mode; docs/events.md). Attribute
/// names are the spec's, all lowercase. The extension attributes: <c>sequence</c> (the CloudEvents Sequence
/// extension: a string that orders the events of one <c>source</c>, here one approval), <c>actor</c> and, when the
/// change had one, <c>correlationid</c> (the Correlation extension).
/// </summary>
public sealed record CloudEvent(
    [property: JsonPropertyName("specversion")] string SpecVersion,
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("datacontenttype")] string DataContentType,
    [property: JsonPropertyName("sequence")] string Sequence,
    [property: JsonPropertyName("actor")] string Actor,
    [property: JsonPropertyName("data"), JsonPropertyOrder(1)] JsonElement Data)
{
    /// <summary>Absent rather than null when the change had none (the extension's value must be a non-empty string).</summary>
    [JsonPropertyName("correlationid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CorrelationId { get; init; }

    public const string SpecVersionValue = "1.0";
    public const string JsonContentType = "application/json";

    /// <summary>
    /// The approval the event is about, as a URI-reference relative to this service: each approval is a source, so
    /// its events' <c>sequence</c> (1, 2, 3, … per approval) is exactly the Sequence extension's "order within a
    /// source". <c>subject</c> carries the approval id on its own for filters that match on it.
    /// </summary>
    public static string SourceOf(Guid approvalId) => $"/api/v1/approvals/{approvalId}";

    /// <summary>
    /// The per-approval sequence as the Sequence extension wants it: a string whose lexicographic order is the
    /// numeric order, so zero-padded to the ten digits of the largest int.
    /// </summary>
    public static string SequenceOf(int sequence) => sequence.ToString("D10", CultureInfo.InvariantCulture);
}
