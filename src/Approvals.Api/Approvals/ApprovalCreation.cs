using System.Text;
using System.Text.Json;
using Approvals.Api.Auth;
using Approvals.Api.Data;
using Approvals.Domain;

namespace Approvals.Api.Approvals;

/// <summary>
/// Creates approvals: validates the draft, then writes the approval, its service rules and its created event in one
/// statement (<see cref="ApprovalInsert"/>). A singleton over the data source rather than part of
/// <see cref="ApprovalWorkflow"/>: creating needs no transaction of its own and no DbContext, and renting one from the
/// pool per request, only to borrow its connection, was a measurable part of the service's hottest write
/// (docs/benchmarks.md). A create with an Idempotency-Key joins the transaction the filter holds open for it. Both
/// API versions call it.
/// </summary>
public sealed class ApprovalCreation(ApprovalInsert insert, TimeProvider clock, Events.ApprovalEventSignal events)
{
    /// <param name="joining">The DbContext whose open transaction the insert joins (the Idempotency-Key filter's); null for none.</param>
    public async Task<Result<Approval>> CreateAsync(
        ApprovalDraft draft, Caller caller, ApprovalsDbContext? joining, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        ApprovalRules.CheckTitle(draft.Title, errors);
        ApprovalRules.CheckDescription(draft.Description, errors);
        ApprovalRules.CheckComment(draft.Comment, errors);
        ApprovalRules.CheckServiceRules(draft.ServiceRules, errors);
        if (draft.Deadline is null)
        {
            errors.Add("deadline", "Deadline is required.");
        }

        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }

        var now = Timestamps.ToDatabasePrecision(clock.GetUtcNow());
        var deadline = Timestamps.ToDatabasePrecision(draft.Deadline!.Value);
        if (ApprovalRules.CheckDeadline(deadline, now) is { } pastDeadline)
        {
            return pastDeadline;
        }

        var serviceRules = draft.ServiceRules!;
        var approval = new Approval
        {
            Id = Guid.CreateVersion7(now),
            Title = draft.Title!,
            Description = draft.Description!,
            Comment = draft.Comment ?? "",
            Status = ApprovalStateMachine.InitialStatus,
            Deadline = deadline,
            CreatedBy = caller.Actor,
            CreatedAt = now,
            Version = 1,
            ServiceRules = [.. serviceRules.Select((id, position) => new ApprovalServiceRule { ServiceRuleId = id, Position = position })],
        };

        // The service rules are checked by the statement that inserts.
        var usable = await insert.InsertAsync(approval, caller.CorrelationId, CreatedEventData(approval, serviceRules), joining, cancellationToken);
        if (usable is null && joining is null) events.Committed();
        return usable is null
            ? approval
            : ApprovalWorkflow.UnusableServiceRules(serviceRules, usable)
                ?? throw new InvalidOperationException("The approval was not inserted, yet all its service rules are usable.");
    }

    /// <summary>
    /// The created event's data (<see cref="ApprovalEventData"/>, written by hand: creating is the hottest write): no
    /// status before, the initial one after, and every field from nothing to its first value, shaped as an edit's
    /// changes are (<c>{"field": {"old": null, "new": value}}</c>).
    /// </summary>
    private static string CreatedEventData(Approval approval, IReadOnlyList<int> serviceRules)
    {
        using var buffer = new MemoryStream(320);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNull("statusBefore");
            json.WriteString("statusAfter", approval.Status.ToWireName());
            json.WriteStartObject("changes");
            WriteCreated(json, "title", approval.Title);
            WriteCreated(json, "description", approval.Description);
            WriteCreated(json, "comment", approval.Comment);
            StartCreated(json, "deadline");
            json.WriteStringValue(approval.Deadline);
            json.WriteEndObject();
            StartCreated(json, "serviceRules");
            json.WriteStartArray();
            foreach (var rule in serviceRules)
            {
                json.WriteNumberValue(rule);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteCreated(Utf8JsonWriter json, string field, string value)
    {
        StartCreated(json, field);
        json.WriteStringValue(value);
        json.WriteEndObject();
    }

    /// <summary>Writes <c>"field": {"old": null, "new":</c>; the caller writes the value and closes the object.</summary>
    private static void StartCreated(Utf8JsonWriter json, string field)
    {
        json.WriteStartObject(field);
        json.WriteNull("old");
        json.WritePropertyName("new");
    }
}
