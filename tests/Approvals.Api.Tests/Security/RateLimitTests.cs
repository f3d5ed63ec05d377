using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;

namespace Approvals.Api.Tests.Security;

/// <summary>Rate limiting switched on with a tiny budget: three requests per caller per two seconds, two sign-ins a minute.</summary>
public sealed class RateLimitedApiFactory : SecurityApiFactory
{
    public const int PermitLimit = 3;
    public const string WarmUpKey = "warm-up-api-key-0123456789";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        .. base.ExtraSettings,
        new("RateLimiting:Enabled", "true"),
        new("RateLimiting:PermitLimit", PermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("RateLimiting:WindowSeconds", "2"),
        new("RateLimiting:SignInPermitLimit", "2"),
        new("RateLimiting:SignInWindowSeconds", "60"),
        new("Auth:ApiKeys:2:Name", "warm-up"),
        new("Auth:ApiKeys:2:Key", WarmUpKey),
    ];
}

public class RateLimitTests(RateLimitedApiFactory factory) : ApiTestBase<RateLimitedApiFactory>(factory)
{
    [Fact]
    public async Task A_caller_over_its_limit_gets_429_with_retry_after_others_do_not_and_it_recovers()
    {
        using var other = Factory.CreateAuthenticatedClient(ApprovalsApiFactory.OtherApiKey);
        await WarmUpAsync("/api/v1/state-machine");
        for (var i = 0; i < RateLimitedApiFactory.PermitLimit; i++)
        {
            await AssertStatusAsync(await Client.GetAsync("/api/v1/state-machine"), HttpStatusCode.OK);
        }

        var limited = await Client.GetAsync("/api/v1/state-machine");

        await AssertProblemAsync(limited, 429, ErrorCodes.RateLimited);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        await AssertStatusAsync(await other.GetAsync("/api/v1/state-machine"), HttpStatusCode.OK);
        await AssertStatusAsync(await Client.GetAsync("/healthz"), HttpStatusCode.OK);

        // The limiter keeps its own time (System.Threading.RateLimiting takes no TimeProvider), so this waits for real.
        await Task.Delay(retryAfter.Value + TimeSpan.FromMilliseconds(200));
        await AssertStatusAsync(await Client.GetAsync("/api/v1/state-machine"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Anonymous_callers_are_limited_by_address_so_guessing_keys_is_limited_too()
    {
        using var guesser = Factory.CreateClient();
        await WarmUpAsync("/api/v1/approvals");
        var statuses = new List<int>();
        for (var i = 0; i <= RateLimitedApiFactory.PermitLimit; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/approvals");
            request.Headers.Add("X-Api-Key", $"apv_guess{i}_0123456789abcdef");
            statuses.Add((int)(await guesser.SendAsync(request)).StatusCode);
        }

        Assert.Equal([401, 401, 401, 429], statuses);
    }

    /// <summary>
    /// One request through the same endpoint by a caller the test does not count, so start-up and first-call costs
    /// do not eat into the counted caller's two-second window.
    /// </summary>
    private async Task WarmUpAsync(string path)
    {
        using var uncounted = Factory.CreateAuthenticatedClient(RateLimitedApiFactory.WarmUpKey);
        await uncounted.GetAsync(path);
    }
}

/// <summary>Its own class, so its own host: sign-in attempts are anonymous and would share a window with the tests above.</summary>
public class SignInRateLimitTests(RateLimitedApiFactory factory) : ApiTestBase<RateLimitedApiFactory>(factory)
{
    [Fact]
    public async Task Password_guessing_meets_the_tighter_sign_in_limit()
    {
        using var guesser = Factory.CreateClient();
        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var response = await guesser.PostAsJsonAsync("/api/v1/auth/token", new { username = "alice", password = $"guess-{i}" });
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([401, 401, 429], statuses);
    }
}
