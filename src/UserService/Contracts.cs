using System.Text.Json.Serialization;
using UserService.Faults;

namespace UserService;

/// <summary>
/// The original contract's request: <c>{"id": "&lt;approval id&gt;", "status": 3|4|5}</c>. Anything else in the body
/// (the approval service adds <c>event</c> and the full <c>approval</c>) is ignored.
/// </summary>
public sealed record ApprovalNotice(string? Id, int? Status);

/// <summary>The original contract's answer: the status recorded for the approval, which may be an earlier, different one.</summary>
public sealed record ApprovalAnswer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("error_code")] int ErrorCode);

/// <summary>What this service received for an approval; <c>receivedCount</c> counts distinct webhook-ids.</summary>
public sealed record ReceivedApprovalResponse(Guid Id, int Status, int ReceivedCount, DateTimeOffset FirstReceivedAt);

public sealed record ServiceStatus(string Status);

/// <summary>An approval event received from the approval service's exchange; <c>timesReceived</c> counts its copies.</summary>
public sealed record ReceivedEventResponse(
    Guid Id, Guid ApprovalId, int Sequence, string Type, DateTimeOffset OccurredAt, string? Actor, DateTimeOffset ReceivedAt, int TimesReceived);

public sealed record ReceivedEventList(IReadOnlyList<ReceivedEventResponse> Events);

/// <summary>A change to the fault switch; a null field keeps its current value.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FaultChange(int? FailNextRequests, int? FailStatus, int? DelayMs);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApprovalNotice))]
[JsonSerializable(typeof(ApprovalAnswer))]
[JsonSerializable(typeof(ReceivedApprovalResponse))]
[JsonSerializable(typeof(ServiceStatus))]
[JsonSerializable(typeof(ReceivedEventList))]
[JsonSerializable(typeof(FaultChange))]
[JsonSerializable(typeof(FaultState))]
internal sealed partial class UserServiceJsonContext : JsonSerializerContext;
