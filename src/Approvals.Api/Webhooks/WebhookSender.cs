using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Webhooks;

/// <summary>One delivery request, ready to send. <see cref="WebhookId"/> is the job id: stable across retries.</summary>
public sealed record WebhookRequest(
    Guid WebhookId,
    Guid ApprovalId,
    ApprovalStatus RequestedStatus,
    string Url,
    string ApiKey,
    IReadOnlyList<string?> SigningSecrets,
    TimeSpan Timeout,
    byte[] Body)
{
    /// <summary>The request of one delivery job: the approval as the service's webhook describes it, signed for its rule.</summary>
    public static WebhookRequest ForJob(Guid jobId, ApprovalRecord approval, ApprovalStatus requested, ServiceRule rule) => new(
        jobId,
        approval.Id,
        requested,
        rule.Url,
        rule.ApiKey,
        [rule.SigningSecret, rule.PreviousSigningSecret],
        TimeSpan.FromSeconds(rule.TimeoutSeconds),
        JsonSerializer.SerializeToUtf8Bytes(WebhookPayload.For(approval, requested), WebhookJsonContext.Default.WebhookPayload));
}

/// <summary>
/// Sends one delivery attempt (a typed client from <see cref="IHttpClientFactory"/>) and classifies the answer:
/// see <see cref="AttemptVerdict"/>. It never throws for the service's behaviour; it throws
/// <see cref="OperationCanceledException"/> only when <c>abort</c> fires (the dispatcher is shutting down).
/// </summary>
public sealed class WebhookSender(HttpClient http, TimeProvider clock)
{
    public const int MaxResponseBytes = 64 * 1024;
    public const int ExcerptLength = 1024;
    public const string UserAgent = "Approvals-Dispatcher/1.0";

    public async Task<DeliveryAttemptOutcome> SendAsync(WebhookRequest request, CancellationToken abort)
    {
        var startedAt = clock.GetUtcNow();
        var started = clock.GetTimestamp();
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return new DeliveryAttemptOutcome(AttemptVerdict.Permanent, startedAt, TimeSpan.Zero,
                ErrorCode: ErrorCodes.DeliveryInvalidUrl, Error: "The service rule's URL is not an absolute http or https URL.");
        }

        using var timeout = new CancellationTokenSource(request.Timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, abort);
        try
        {
            using var message = BuildMessage(request, url, startedAt);
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var (body, complete) = await ReadBodyAsync(response, linked.Token);
            return Classify(request, response, body, complete, startedAt, clock.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Transient($"No answer within {request.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (timeout).");
        }
        catch (HttpRequestException exception) when (exception.InnerException is WebhookTargetForbiddenException forbidden)
        {
            // Refused before connecting (Delivery:AllowPrivateNetworks is off): as permanent as an unusable URL.
            return new DeliveryAttemptOutcome(AttemptVerdict.Permanent, startedAt, clock.GetElapsedTime(started),
                ErrorCode: ErrorCodes.DeliveryUrlForbidden, Error: $"Not sent: {forbidden.Message} Webhooks go to public addresses only.");
        }
        catch (HttpRequestException exception)
        {
            return Transient($"Connection failed ({exception.HttpRequestError}): {exception.Message}");
        }
        catch (IOException exception)
        {
            return Transient($"Connection failed: {exception.Message}");
        }

        DeliveryAttemptOutcome Transient(string error) =>
            new(AttemptVerdict.Transient, startedAt, clock.GetElapsedTime(started), Error: error);
    }

    private HttpRequestMessage BuildMessage(WebhookRequest request, Uri url, DateTimeOffset now)
    {
        var webhookId = request.WebhookId.ToString();
        var timestamp = now.ToUnixTimeSeconds();
        var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(request.Body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };

        // The raw key, no scheme, as the original service sent it.
        message.Headers.TryAddWithoutValidation("Authorization", request.ApiKey);
        message.Headers.UserAgent.ParseAdd(UserAgent);
        message.Headers.Add("webhook-id", webhookId);
        message.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        var signature = WebhookSignature.Header(request.SigningSecrets, webhookId, timestamp, request.Body);
        if (signature.Length > 0)
        {
            message.Headers.Add("webhook-signature", signature);
        }

        return message;
    }

    /// <summary>Reads at most <see cref="MaxResponseBytes"/>; <c>complete</c> is false when the body was longer.</summary>
    private static async Task<(byte[] Body, bool Complete)> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes + 1];
        var read = 0;
        while (read < buffer.Length)
        {
            var count = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (count == 0)
            {
                break;
            }

            read += count;
        }

        return read > MaxResponseBytes ? (buffer[..MaxResponseBytes], false) : (buffer[..read], true);
    }

    private DeliveryAttemptOutcome Classify(
        WebhookRequest request, HttpResponseMessage response, byte[] body, bool complete, DateTimeOffset startedAt, TimeSpan duration)
    {
        var status = (int)response.StatusCode;
        var text = Encoding.UTF8.GetString(body);
        var excerpt = text.Length > ExcerptLength ? text[..ExcerptLength] : text;
        var outcome = new DeliveryAttemptOutcome(AttemptVerdict.Permanent, startedAt, duration, status, ResponseExcerpt: excerpt);

        if (status is >= 200 and < 300)
        {
            return complete ? ReadAnswer(request, body, outcome) : BadResponse(outcome, "The answer is larger than 64 KB.");
        }

        if (status is 408 or 425 or 429 or >= 500)
        {
            return outcome with
            {
                Verdict = AttemptVerdict.Transient,
                Error = $"HTTP {status} {response.ReasonPhrase}",
                RetryAfter = RetryAfterOf(response),
            };
        }

        return outcome with
        {
            ErrorCode = ErrorCodes.DeliveryRejected,
            Error = status is >= 300 and < 400
                ? $"HTTP {status}: redirects are not followed; point the service rule at the final URL."
                : $"HTTP {status} {response.ReasonPhrase}: the service refused the delivery.",
        };
    }

    /// <summary>The original contract's answer: <c>{"id", "status", "error_code"}</c>; a missing status means "as asked".</summary>
    private static DeliveryAttemptOutcome ReadAnswer(WebhookRequest request, byte[] body, DeliveryAttemptOutcome outcome)
    {
        JsonElement answer;
        try
        {
            using var document = JsonDocument.Parse(body);
            answer = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return BadResponse(outcome, "The answer is not JSON.");
        }

        if (answer.ValueKind != JsonValueKind.Object)
        {
            return BadResponse(outcome, "The answer is not a JSON object.");
        }

        if (answer.TryGetProperty("id", out var id)
            && (id.ValueKind != JsonValueKind.String || !Guid.TryParse(id.GetString(), out var answeredId) || answeredId != request.ApprovalId))
        {
            return BadResponse(outcome, "The answer names another approval id.");
        }

        if (answer.TryGetProperty("error_code", out var errorCode) && (errorCode.ValueKind != JsonValueKind.Number || errorCode.GetRawText() != "0"))
        {
            return outcome with
            {
                ErrorCode = ErrorCodes.DeliveryRejected,
                Error = $"The service answered error_code {Shorten(errorCode.GetRawText())}.",
            };
        }

        var reported = request.RequestedStatus;
        if (answer.TryGetProperty("status", out var statusElement))
        {
            if (statusElement.ValueKind != JsonValueKind.Number || !statusElement.TryGetInt16(out var number) || !((ApprovalStatus)number).IsFinal())
            {
                return BadResponse(outcome, $"The answer's status {Shorten(statusElement.GetRawText())} is not a final status (3, 4 or 5).");
            }

            reported = (ApprovalStatus)number;
        }

        return outcome with { Verdict = AttemptVerdict.Succeeded, ReportedStatus = reported };
    }

    private static DeliveryAttemptOutcome BadResponse(DeliveryAttemptOutcome outcome, string error) =>
        outcome with { ErrorCode = ErrorCodes.DeliveryBadResponse, Error = error };

    private TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } when delta > TimeSpan.Zero => delta,
        { Date: { } date } when date > clock.GetUtcNow() => date - clock.GetUtcNow(),
        _ => null,
    };

    private static string Shorten(string value) => value.Length > 20 ? value[..20] + "..." : value;
}
