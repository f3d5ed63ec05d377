using System.Globalization;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace UserService.ApprovalEvents;

/// <summary>An approval event as this service stores it.</summary>
public sealed record IncomingApprovalEvent(
    Guid Id, Guid ApprovalId, int Sequence, string Type, DateTimeOffset OccurredAt, string? Actor, string DataJson);

/// <summary>
/// Reads an approval event from a message of <c>approvals.events</c>: the CloudEvents AMQP binding in binary mode,
/// the attributes in <c>cloudEvents_*</c> headers and the body the event's <c>data</c> (docs/events.md, "RabbitMQ").
/// </summary>
public static class ApprovalEventMessage
{
    public const string HeaderPrefix = "cloudEvents_";
    public const int MaxTypeLength = 100;
    public const int MaxActorLength = 200;

    /// <summary>The event in the message, or null with the reason in <paramref name="problem"/> when it is not one.</summary>
    public static IncomingApprovalEvent? Read(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, out string? problem)
    {
        problem = Check(properties, body, out var incoming);
        return incoming;
    }

    private static string? Check(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, out IncomingApprovalEvent? incoming)
    {
        incoming = null;
        var headers = properties.Headers;
        if (Header(headers, "specversion") != "1.0")
        {
            return "cloudEvents_specversion is missing or not 1.0";
        }

        if (!Guid.TryParse(Header(headers, "id"), out var id))
        {
            return "cloudEvents_id is missing or not a UUID";
        }

        // Both name the event; a message whose two ids disagree cannot be deduplicated safely.
        if (properties.MessageId is { } messageId && (!Guid.TryParse(messageId, out var messageGuid) || messageGuid != id))
        {
            return "message-id differs from cloudEvents_id";
        }

        if (!Guid.TryParse(Header(headers, "subject"), out var approvalId))
        {
            return "cloudEvents_subject is missing or not an approval id";
        }

        if (!int.TryParse(Header(headers, "sequence"), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence < 1)
        {
            return "cloudEvents_sequence is missing or not a positive integer";
        }

        if (Header(headers, "type") is not { Length: > 0 and <= MaxTypeLength } type)
        {
            return $"cloudEvents_type is missing or longer than {MaxTypeLength} characters";
        }

        if (!DateTimeOffset.TryParse(Header(headers, "time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var occurredAt))
        {
            return "cloudEvents_time is missing or not an RFC 3339 time";
        }

        var actor = Header(headers, "actor");
        if (actor is { Length: > MaxActorLength })
        {
            return $"cloudEvents_actor is longer than {MaxActorLength} characters";
        }

        if (properties.ContentType is { } contentType && !contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return "content-type is not application/json";
        }

        if (!IsJsonObject(body))
        {
            return "the body is not a JSON object";
        }

        incoming = new IncomingApprovalEvent(id, approvalId, sequence, type, occurredAt.ToUniversalTime(), actor, Encoding.UTF8.GetString(body.Span));
        return null;
    }

    /// <summary>A header's text: RabbitMQ.Client hands string values to consumers as UTF-8 bytes.</summary>
    private static string? Header(IDictionary<string, object?>? headers, string attribute) =>
        headers is not null && headers.TryGetValue(HeaderPrefix + attribute, out var value)
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                string text => text,
                _ => null,
            }
            : null;

    private static bool IsJsonObject(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
