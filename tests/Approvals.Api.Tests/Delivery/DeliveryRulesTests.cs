using System.Text;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Webhooks;
using Approvals.Domain;
using UserService.Webhooks;

namespace Approvals.Api.Tests.Delivery;

/// <summary>The pure parts of delivery: signatures, retry delays, and how job outcomes resolve an approval.</summary>
public class DeliveryRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Signing_matches_the_standard_webhooks_reference_example()
    {
        var body = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            WebhookSignature.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body));
    }

    [Fact]
    public void During_rotation_both_secrets_sign_and_either_verifies_downstream()
    {
        const string current = "whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldy1zZWNyZXQ=";
        const string previous = "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ=";
        var body = Encoding.UTF8.GetBytes("""{"id":"x","status":3}""");

        var header = WebhookSignature.Header([current, previous], "job-1", 1_800_000_000, body);

        Assert.Equal(2, header.Split(' ').Length);
        foreach (var secret in new[] { current, previous })
        {
            WebhookVerifier.TryDecodeSecret(secret, out var key);
            Assert.Equal(WebhookVerification.Valid,
                WebhookVerifier.Verify(key, "job-1", "1800000000", header, body, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));
        }

        Assert.Equal("", WebhookSignature.Header([null, ""], "job-1", 1, body));
    }

    [Theory]
    [InlineData(0, 0.0, 0)]
    [InlineData(1, 0.0, 2)]
    [InlineData(1, 1.0, 2.4)]
    [InlineData(5, 0.5, 1980)]
    public void Retry_delays_follow_the_schedule_with_up_to_20_percent_added(int stepsUsed, double random, double expectedSeconds)
    {
        var delay = RetryDelays.Next([0, 2, 10, 60, 300, 1800], stepsUsed, null, random);
        Assert.Equal(expectedSeconds, delay!.Value.TotalSeconds, precision: 6);
    }

    [Fact]
    public void Retry_after_wins_when_longer_is_capped_and_the_schedule_runs_out()
    {
        int[] schedule = [0, 2, 10];
        Assert.Equal(TimeSpan.FromSeconds(90), RetryDelays.Next(schedule, 1, TimeSpan.FromSeconds(90), 0));
        Assert.Equal(TimeSpan.FromSeconds(10), RetryDelays.Next(schedule, 2, TimeSpan.FromSeconds(1), 0));
        Assert.Equal(RetryDelays.MaxRetryAfter, RetryDelays.Next(schedule, 1, TimeSpan.FromDays(30), 0));
        Assert.Null(RetryDelays.Next(schedule, 3, null, 0));
    }

    [Fact]
    public void Resolution_waits_while_any_job_is_open()
    {
        Assert.Null(DeliveryResolution.Resolve([Job(1, DeliveryState.Succeeded, ApprovalStatus.Approved), Job(2, DeliveryState.Pending)], Now));
        Assert.Null(DeliveryResolution.Resolve([Job(1, DeliveryState.Sending)], Now));
        Assert.Null(DeliveryResolution.Resolve([], Now));
    }

    [Theory]
    [InlineData(ApprovalStatus.Approved, ApprovalCommand.DeliveredApproved)]
    [InlineData(ApprovalStatus.Rejected, ApprovalCommand.DeliveredRejected)]
    [InlineData(ApprovalStatus.Cancelled, ApprovalCommand.DeliveredCancelled)]
    public void Agreeing_successes_deliver_the_reported_status(ApprovalStatus reported, ApprovalCommand expected)
    {
        var resolution = DeliveryResolution.Resolve([Job(1, DeliveryState.Succeeded, reported), Job(2, DeliveryState.Succeeded, reported)], Now)!;
        Assert.Equal(expected, resolution.Command);
        Assert.Null(resolution.Error);
    }

    [Fact]
    public void A_failed_job_fails_the_approval_even_while_others_are_open_and_names_the_first_failure()
    {
        var resolution = DeliveryResolution.Resolve(
        [
            Job(2, DeliveryState.Pending),
            Job(3, DeliveryState.Failed, code: ErrorCodes.DeliveryRetriesExhausted, error: "Gave up"),
            Job(4, DeliveryState.Failed, code: ErrorCodes.DeliveryRejected, error: "HTTP 400"),
        ], Now)!;

        Assert.Equal(ApprovalCommand.DeliveryFailed, resolution.Command);
        Assert.Equal(new DeliveryError(ErrorCodes.DeliveryRetriesExhausted, "Service rule 3 (rule-3): Gave up", 3, Now), resolution.Error);
    }

    [Fact]
    public void Disagreeing_successes_fail_with_targets_disagree()
    {
        var resolution = DeliveryResolution.Resolve(
            [Job(1, DeliveryState.Succeeded, ApprovalStatus.Approved), Job(2, DeliveryState.Succeeded, ApprovalStatus.Rejected)], Now)!;

        Assert.Equal(ApprovalCommand.DeliveryFailed, resolution.Command);
        Assert.Equal(ErrorCodes.DeliveryTargetsDisagree, resolution.Error!.Code);
        Assert.Null(resolution.Error.ServiceRule);
        Assert.Contains("1 (rule-1) reported APPROVED, 2 (rule-2) reported REJECTED", resolution.Error.Message);
    }

    private static JobStanding Job(int rule, DeliveryState state, ApprovalStatus? reported = null, string? code = null, string? error = null) =>
        new(rule, $"rule-{rule}", state, reported, code, error);
}
