using System.Collections.Concurrent;
using System.Text;
using Approvals.Api.Features;
using Approvals.Api.Webhooks;
using Approvals.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using UserService.Webhooks;

namespace Approvals.Api.Tests.Delivery;

/// <summary>How one attempt is classified, against a real loopback HTTP server that answers what each test scripts.</summary>
public sealed class WebhookSenderTests : IAsyncLifetime
{
    private const string Secret = "whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA==";
    private static readonly Guid ApprovalId = Guid.Parse("0193d4f0-0000-7000-8000-000000000001");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _answers = new();
    private readonly ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)> _received = new();
    private WebApplication _downstream = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _downstream = builder.Build();
        _downstream.MapPost("/hook", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Enqueue((context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            await (_answers.TryDequeue(out var answer) ? answer(context) : Task.CompletedTask);
        });
        await _downstream.StartAsync();
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _downstream.DisposeAsync();
    }

    [Theory]
    [InlineData("""{"id":"0193d4f0-0000-7000-8000-000000000001","status":4,"error_code":0}""", ApprovalStatus.Rejected)]
    [InlineData("""{"status":5}""", ApprovalStatus.Cancelled)]
    [InlineData("{}", ApprovalStatus.Approved)]
    public async Task A_2xx_json_answer_succeeds_with_the_reported_status(string body, ApprovalStatus reported)
    {
        Script(200, body);
        var outcome = await SendAsync();
        Assert.Equal(AttemptVerdict.Succeeded, outcome.Verdict);
        Assert.Equal(reported, outcome.ReportedStatus);
        Assert.Equal(200, outcome.HttpStatus);
        Assert.Equal(body, outcome.ResponseExcerpt);
    }

    [Theory]
    [InlineData("not json", ErrorCodes.DeliveryBadResponse)]
    [InlineData("[1,2]", ErrorCodes.DeliveryBadResponse)]
    [InlineData("""{"status":2}""", ErrorCodes.DeliveryBadResponse)]
    [InlineData("""{"status":"3"}""", ErrorCodes.DeliveryBadResponse)]
    [InlineData("""{"id":"0193d4f0-0000-7000-8000-000000000002","status":3}""", ErrorCodes.DeliveryBadResponse)]
    [InlineData("""{"status":3,"error_code":7}""", ErrorCodes.DeliveryRejected)]
    public async Task An_unusable_2xx_answer_is_a_permanent_failure(string body, string code)
    {
        Script(200, body);
        var outcome = await SendAsync();
        Assert.Equal((AttemptVerdict.Permanent, code), (outcome.Verdict, outcome.ErrorCode));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(425)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Overload_and_server_errors_are_transient(int status)
    {
        Script(status, "busy");
        var outcome = await SendAsync();
        Assert.Equal(AttemptVerdict.Transient, outcome.Verdict);
        Assert.Equal(status, outcome.HttpStatus);
        Assert.Null(outcome.ErrorCode);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(422)]
    [InlineData(302)]
    public async Task Other_answers_are_permanent_rejections(int status)
    {
        Script(status, "no", context => context.Response.Headers.Location = "/elsewhere");
        var outcome = await SendAsync();
        Assert.Equal((AttemptVerdict.Permanent, ErrorCodes.DeliveryRejected), (outcome.Verdict, outcome.ErrorCode));
    }

    [Fact]
    public async Task Retry_after_is_read_as_seconds_or_a_date()
    {
        Script(429, "", context => context.Response.Headers.RetryAfter = "120");
        Assert.Equal(TimeSpan.FromSeconds(120), (await SendAsync()).RetryAfter);

        Script(503, "", context => context.Response.Headers.RetryAfter = _clock.GetUtcNow().AddMinutes(10).ToString("R"));
        Assert.InRange((await SendAsync()).RetryAfter!.Value.TotalSeconds, 599, 600);
    }

    [Fact]
    public async Task Only_the_first_kilobyte_is_kept_and_a_body_over_64_KB_is_unreadable()
    {
        Script(500, new string('x', 5000));
        Assert.Equal(WebhookSender.ExcerptLength, (await SendAsync()).ResponseExcerpt!.Length);

        Script(200, "{\"pad\":\"" + new string('x', 70_000) + "\"}");
        var huge = await SendAsync();
        Assert.Equal((AttemptVerdict.Permanent, ErrorCodes.DeliveryBadResponse), (huge.Verdict, huge.ErrorCode));
    }

    [Fact]
    public async Task Unusable_urls_fail_at_once_and_refused_connections_are_transient()
    {
        var invalid = await new WebhookSender(_http, _clock).SendAsync(Request("INVALID URL"), default);
        Assert.Equal((AttemptVerdict.Permanent, ErrorCodes.DeliveryInvalidUrl, (int?)null), (invalid.Verdict, invalid.ErrorCode, invalid.HttpStatus));
        Assert.Equal(AttemptVerdict.Permanent, (await new WebhookSender(_http, _clock).SendAsync(Request("ftp://127.0.0.1/x"), default)).Verdict);

        var refused = await new WebhookSender(_http, _clock).SendAsync(Request("http://127.0.0.1:9/hook"), default);
        Assert.Equal(AttemptVerdict.Transient, refused.Verdict);
        Assert.Contains("Connection failed", refused.Error);
    }

    [Fact]
    public async Task The_request_carries_the_raw_key_json_and_verifiable_standard_webhooks_headers()
    {
        Script(200, "{}");
        var request = Request(Url);
        await new WebhookSender(_http, _clock).SendAsync(request, default);

        Assert.True(_received.TryDequeue(out var received));
        Assert.Equal("downstream-key", received.Headers["Authorization"]);
        Assert.Equal("application/json", received.Headers["Content-Type"]);
        Assert.Equal(request.WebhookId.ToString(), received.Headers["webhook-id"]);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), received.Headers["webhook-timestamp"]);
        Assert.Equal(request.Body, received.Body);
        WebhookVerifier.TryDecodeSecret(Secret, out var key);
        Assert.Equal(WebhookVerification.Valid, WebhookVerifier.Verify(key, received.Headers["webhook-id"], received.Headers["webhook-timestamp"],
            received.Headers["webhook-signature"], received.Body, _clock.GetUtcNow()));
    }

    private string Url => new Uri(new Uri(_downstream.Urls.First()), "/hook").ToString();

    private void Script(int status, string body, Action<HttpContext>? headers = null) => _answers.Enqueue(async context =>
    {
        context.Response.StatusCode = status;
        headers?.Invoke(context);
        await context.Response.WriteAsync(body);
    });

    private Task<DeliveryAttemptOutcome> SendAsync() => new WebhookSender(_http, _clock).SendAsync(Request(Url), default);

    private static WebhookRequest Request(string url) => new(
        Guid.CreateVersion7(), ApprovalId, ApprovalStatus.Approved, url, "downstream-key", [Secret], TimeSpan.FromSeconds(10),
        Encoding.UTF8.GetBytes($$"""{"id":"{{ApprovalId}}","status":3}"""));
}
