using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Approvals.Domain;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Http;

public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Benchmarks turn it off; everything else should leave it on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests one caller may make per window: generous, meant to stop floods and guessing, not users.</summary>
    public int PermitLimit { get; set; } = 1000;

    public int WindowSeconds { get; set; } = 10;

    /// <summary>Password attempts per client address per sign-in window: each costs a deliberately slow hash.</summary>
    public int SignInPermitLimit { get; set; } = 10;

    public int SignInWindowSeconds { get; set; } = 60;
}

internal sealed class RateLimitingOptionsValidator : IValidateOptions<RateLimitingOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitingOptions options) =>
        options is { PermitLimit: >= 1 and <= 1_000_000, WindowSeconds: >= 1 and <= 3600, SignInPermitLimit: >= 1 and <= 1_000_000, SignInWindowSeconds: >= 1 and <= 3600 }
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("RateLimiting:PermitLimit and RateLimiting:SignInPermitLimit must be from 1 to 1000000, "
                + "RateLimiting:WindowSeconds and RateLimiting:SignInWindowSeconds from 1 to 3600.");
}

/// <summary>
/// A fixed window per caller: the actor for authenticated requests, the client address otherwise (so failed
/// logins and bad keys are limited too). It runs after authentication, which is what tells callers apart.
/// Health probes are never limited; sign-in has a tighter window of its own (<see cref="SignInPolicy"/>).
/// Over a limit: 429 <c>rate_limit.exceeded</c> with <c>Retry-After</c>.
/// </summary>
internal static class RateLimiting
{
    public const string SignInPolicy = "sign-in";

    public static IServiceCollection AddApprovalsRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitingOptions>, RateLimitingOptionsValidator>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitingOptions>>((limiter, settings) =>
        {
            var (permits, window) = (settings.Value.PermitLimit, TimeSpan.FromSeconds(settings.Value.WindowSeconds));
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsHealthProbe(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter("health")
                    : RateLimitPartition.GetFixedWindowLimiter(PartitionKey(context), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = permits,
                        Window = window,
                        QueueLimit = 0,
                    }));
            limiter.AddPolicy(SignInPolicy, context => RateLimitPartition.GetFixedWindowLimiter(AddressKey(context), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.Value.SignInPermitLimit,
                Window = TimeSpan.FromSeconds(settings.Value.SignInWindowSeconds),
                QueueLimit = 0,
            }));
            limiter.OnRejected = RejectAsync;
        });
        return services;
    }

    public static IApplicationBuilder UseApprovalsRateLimiting(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value.Enabled ? app.UseRateLimiter() : app;

    /// <summary>The liveness and readiness probes (<c>/healthz</c>, <c>/readyz</c>).</summary>
    internal static bool IsHealthProbe(PathString path) =>
        path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase);

    private static string PartitionKey(HttpContext context) => context.User.FindFirstValue(Caller.ActorClaim) ?? AddressKey(context);

    private static string AddressKey(HttpContext context) => "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, $"Too many requests; retry in {seconds} s.");
    }
}
