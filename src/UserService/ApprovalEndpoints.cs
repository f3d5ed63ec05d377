using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using UserService.Data;
using UserService.Faults;
using UserService.Webhooks;

namespace UserService;

/// <summary>The downstream contract of the original service: <c>GET /status</c> and <c>POST /approval</c>, plus <c>GET /approvals/{id}</c>.</summary>
public static partial class ApprovalEndpoints
{
    public static IEndpointRouteBuilder MapApprovalEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status", () => TypedResults.Ok(new ServiceStatus("ok")));
        app.MapPost("/approval", ReceiveApproval);
        app.MapGet("/approvals/{id}", GetReceivedApproval);
        return app;
    }

    /// <summary>
    /// Faults first (an outage answers before anything is checked), then the API key, the signature, the body; then
    /// the delivery is recorded (idempotent on <c>webhook-id</c>) and answered with the status recorded first.
    /// </summary>
    public static async Task<Results<Ok<ApprovalAnswer>, ProblemHttpResult>> ReceiveApproval(
        HttpContext context, FaultSwitch faults, ReceivedApprovalStore store, IOptions<UserServiceOptions> options, TimeProvider clock,
        ILogger<ReceivedApprovalStore> logger)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        if (await faults.ApplyAsync(cancellationToken) is { } failStatus)
        {
            LogFaultInjected(logger, failStatus);
            return ProblemResults.Of(failStatus, "fault.injected", "The fault switch failed this request on purpose.");
        }

        var settings = options.Value;
        if (!ProblemResults.HasApiKey(request, settings.ApiKey))
        {
            LogRefused(logger, "bad or missing API key");
            return ProblemResults.Unauthenticated();
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();

        var webhookId = request.Headers["webhook-id"].ToString();
        if (settings.SigningSecret is { } secret && WebhookVerifier.TryDecodeSecret(secret, out var key))
        {
            var verification = WebhookVerifier.Verify(key, webhookId, request.Headers["webhook-timestamp"], request.Headers["webhook-signature"], body, clock.GetUtcNow());
            if (verification != WebhookVerification.Valid)
            {
                LogRefused(logger, verification.ToString());
                return ProblemResults.Of(StatusCodes.Status401Unauthorized, "webhook.signature_invalid",
                    $"The Standard Webhooks signature did not verify ({verification}).");
            }
        }

        ApprovalNotice? notice;
        try
        {
            notice = JsonSerializer.Deserialize(body, UserServiceJsonContext.Default.ApprovalNotice);
        }
        catch (JsonException)
        {
            return ProblemResults.Of(StatusCodes.Status400BadRequest, "request.malformed_json", "The body must be JSON: {\"id\": \"<approval id>\", \"status\": 3|4|5}.");
        }

        if (!Guid.TryParse(notice?.Id, out var approvalId) || notice!.Status is not (3 or 4 or 5))
        {
            return ProblemResults.Of(StatusCodes.Status400BadRequest, "request.validation_failed", "id must be a UUID and status 3, 4 or 5.");
        }

        // Unsigned callers (no secret configured) may send no webhook-id: then every delivery counts on its own.
        var deliveryId = webhookId is { Length: > 0 and <= 200 } ? webhookId : $"unidentified-{Guid.NewGuid():N}";
        var recorded = await store.AcceptAsync(approvalId, (short)notice.Status.Value, deliveryId, cancellationToken);
        LogReceived(logger, approvalId, notice.Status.Value, recorded);
        return TypedResults.Ok(new ApprovalAnswer(approvalId.ToString(), recorded, 0));
    }

    public static async Task<Results<Ok<ReceivedApprovalResponse>, ProblemHttpResult>> GetReceivedApproval(
        string id, HttpRequest request, ReceivedApprovalStore store, IOptions<UserServiceOptions> options, CancellationToken cancellationToken)
    {
        if (!ProblemResults.HasApiKey(request, options.Value.ApiKey))
        {
            return ProblemResults.Unauthenticated();
        }

        if (!Guid.TryParse(id, out var approvalId))
        {
            return ProblemResults.Of(StatusCodes.Status400BadRequest, "request.validation_failed", "id must be a UUID.");
        }

        return await store.FindAsync(approvalId, cancellationToken) is { } received
            ? TypedResults.Ok(received)
            : ProblemResults.Of(StatusCodes.Status404NotFound, "approval.not_found", $"Nothing was received for approval '{approvalId}'.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId}: asked for {RequestedStatus}, recorded {RecordedStatus}")]
    private static partial void LogReceived(ILogger logger, Guid approvalId, int requestedStatus, int recordedStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fault switch: answering {Status}")]
    private static partial void LogFaultInjected(ILogger logger, int status);
}
