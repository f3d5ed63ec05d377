using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Telemetry;
using Approvals.Api.Tests.Delivery;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>
/// A decision is one trace: the API request's span, its database commands, the delivery attempt (which runs later, in
/// the dispatcher or a RabbitMQ worker, as a child of the request's span through the trace context stored with the
/// job), the webhook's HTTP client span, and the UserService's server span, which continues the trace from the
/// <c>traceparent</c> header the call carried, with the UserService's own database commands.
/// </summary>
[Collection(TelemetryCollection.Name)]
public abstract class DeliveryTraceTests<TFixture>(TFixture fixture) : DeliveryTestBase<TFixture>(fixture)
    where TFixture : DeliveryFixture, ITracedFixture
{
    /// <summary>Whether the attempt's span also holds the database work of the attempt (reading and recording it).</summary>
    protected abstract bool AttemptSpansItsDatabaseWork { get; }

    [Fact]
    public async Task A_decision_is_one_trace_from_the_request_through_the_database_to_the_user_services_answer()
    {
        var rule = await Factory.AddUserServiceRuleAsync();
        var id = await CreateApprovalForAsync(rule);

        var response = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" });
        await AssertStatusAsync(response, HttpStatusCode.Accepted);
        await WaitForStatusAsync(id, "APPROVED");

        // The correlation id is the request's trace id unless the client sent one.
        var traceId = ActivityTraceId.CreateFromString(response.Headers.GetValues("X-Correlation-Id").Single());
        var userServicePort = UserService.BaseAddress.Port;
        List<Activity> trace = [];
        await WaitUntilAsync(() =>
        {
            trace = Factory.Spans.OfTrace(traceId);
            return Task.FromResult(trace.Any(s => IsServerSpan(s, "/approval", userServicePort)));
        }, describe: () => $"the UserService's span in trace {traceId}; it has {Describe(trace)}");

        var request = Assert.Single(trace, s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("url.path") == $"/api/v1/approvals/{id}/decision");
        Assert.Equal(default, request.ParentSpanId);
        Assert.Equal("/api/v1/approvals/{id}/decision", request.GetTagItem("http.route"));
        Assert.NotEmpty(DatabaseSpansUnder(trace, request));

        var attempt = Assert.Single(trace, s => s.OperationName == ApprovalsTelemetry.DeliveryAttemptSpan);
        Assert.Equal(ApprovalsTelemetry.SourceName, attempt.Source.Name);
        Assert.Equal(request.SpanId, attempt.ParentSpanId);
        Assert.Equal(id.ToString(), attempt.GetTagItem("approvals.approval.id"));
        Assert.Equal(rule, attempt.GetTagItem("approvals.service_rule.id"));
        Assert.Equal("succeeded", attempt.GetTagItem("approvals.delivery.outcome"));
        if (AttemptSpansItsDatabaseWork)
        {
            Assert.NotEmpty(DatabaseSpansUnder(trace, attempt));
        }

        var call = Assert.Single(trace, s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http");
        Assert.Equal(attempt.SpanId, call.ParentSpanId);
        Assert.Equal(200, call.GetTagItem("http.response.status_code"));
        Assert.Equal(UserService.ApprovalUrl, call.GetTagItem("url.full"));

        var downstream = Assert.Single(trace, s => IsServerSpan(s, "/approval", userServicePort));
        Assert.Equal(call.SpanId, downstream.ParentSpanId);
        Assert.NotEmpty(DatabaseSpansUnder(trace, downstream));

        // The job carries the request's span, sampled, as its parent, in the W3C format.
        await using var db = Factory.CreateDbContext();
        var stored = await db.DeliveryJobs.Where(j => j.ApprovalId == id).Select(j => new { j.Id, j.TraceParent }).SingleAsync();
        Assert.StartsWith($"00-{traceId}-{request.SpanId}-", stored.TraceParent);
        Assert.True(ActivityContext.TryParse(stored.TraceParent, null, out var parent));
        Assert.True(parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded));
        Assert.Equal(stored.Id.ToString(), attempt.GetTagItem("approvals.delivery.job_id"));
    }

    [Fact]
    public async Task A_retried_delivery_keeps_the_decisions_trace_for_every_attempt()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [0, 1, 1]);
        await UserService.SetFaultsAsync(failNextRequests: 1, failStatus: 503);
        var id = await CreateApprovalForAsync(rule);

        var response = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "reject" });
        await AssertStatusAsync(response, HttpStatusCode.Accepted);
        await WaitForStatusAsync(id, "REJECTED", runSchedule: true);

        var traceId = ActivityTraceId.CreateFromString(response.Headers.GetValues("X-Correlation-Id").Single());
        var attempts = await TwoAttemptSpansOfAsync(id);

        var request = Assert.Single(Factory.Spans.OfTrace(traceId), s => s.Kind == ActivityKind.Server && s.ParentSpanId == default);
        Assert.All(attempts, a => Assert.Equal((traceId, request.SpanId), (a.TraceId, a.ParentSpanId)));
        Assert.Equal(["transient", "succeeded"], attempts.OrderBy(a => a.StartTimeUtc).Select(a => (string?)a.GetTagItem("approvals.delivery.outcome")));
        Assert.Equal(ActivityStatusCode.Error, attempts.OrderBy(a => a.StartTimeUtc).First().Status);
    }

    [Fact]
    public async Task A_redelivery_is_traced_under_the_request_that_asked_for_it()
    {
        var rule = await Factory.AddUserServiceRuleAsync(retrySchedule: [0]);
        await UserService.SetFaultsAsync(failNextRequests: 1, failStatus: 400);
        var id = await CreateApprovalForAsync(rule);
        var decided = await Client.PostAsJsonAsync($"/api/v1/approvals/{id}/decision", new { decision = "approve" });
        await AssertStatusAsync(decided, HttpStatusCode.Accepted);
        var failed = await WaitForStatusAsync(id, "ERROR");

        var redelivered = await Client.PostAsync($"/api/v1/approvals/{id}/deliveries/{(string)failed["deliveries"]![0]!["jobId"]!}/retry", null);
        await AssertStatusAsync(redelivered, HttpStatusCode.Accepted);
        await WaitForStatusAsync(id, "APPROVED");

        var decisionTrace = ActivityTraceId.CreateFromString(decided.Headers.GetValues("X-Correlation-Id").Single());
        var redeliveryTrace = ActivityTraceId.CreateFromString(redelivered.Headers.GetValues("X-Correlation-Id").Single());
        var attempts = await TwoAttemptSpansOfAsync(id);

        var first = attempts.MinBy(a => a.StartTimeUtc)!;
        var second = attempts.MaxBy(a => a.StartTimeUtc)!;
        Assert.Equal((decisionTrace, "permanent"), (first.TraceId, first.GetTagItem("approvals.delivery.outcome")));
        var retry = Assert.Single(Factory.Spans.OfTrace(redeliveryTrace), s => s.Kind == ActivityKind.Server && s.ParentSpanId == default);
        Assert.Equal("/api/v1/approvals/{id}/deliveries/{jobId}/retry", retry.GetTagItem("http.route"));
        Assert.Equal((redeliveryTrace, retry.SpanId, "succeeded"), (second.TraceId, second.ParentSpanId, second.GetTagItem("approvals.delivery.outcome")));
    }

    /// <summary>The two delivery attempt spans of approval <paramref name="id"/>, once both are exported.</summary>
    private async Task<List<Activity>> TwoAttemptSpansOfAsync(Guid id)
    {
        List<Activity> attempts = [];
        await WaitUntilAsync(() =>
        {
            attempts = Factory.Spans.Where(s => s.OperationName == ApprovalsTelemetry.DeliveryAttemptSpan && (string?)s.GetTagItem("approvals.approval.id") == id.ToString());
            return Task.FromResult(attempts.Count == 2);
        }, describe: () => $"two attempts of {id}; {attempts.Count} exported");
        return attempts;
    }

    private static bool IsServerSpan(Activity span, string path, int port) =>
        span.Kind == ActivityKind.Server && (string?)span.GetTagItem("url.path") == path && Equals(span.GetTagItem("server.port"), port);

    private static List<Activity> DatabaseSpansUnder(List<Activity> trace, Activity parent) =>
        [.. trace.Where(s => s.Source.Name == "Npgsql" && s.ParentSpanId == parent.SpanId)];

    private static string Describe(List<Activity> spans) =>
        spans.Count == 0 ? "no spans" : string.Join(", ", spans.Select(s => $"{s.Source.Name}:{s.DisplayName}"));
}

public sealed class PostgresDeliveryTraceTests(TelemetryDeliveryFixture fixture) : DeliveryTraceTests<TelemetryDeliveryFixture>(fixture)
{
    protected override bool AttemptSpansItsDatabaseWork => true;
}

public sealed class BrokerDeliveryTraceTests(TelemetryBrokerFixture fixture) : DeliveryTraceTests<TelemetryBrokerFixture>(fixture)
{
    // A worker reads the attempts of a batch of messages together, and records them together, outside any one attempt.
    protected override bool AttemptSpansItsDatabaseWork => false;
}
