using System.ComponentModel.DataAnnotations;
using UserService.ApprovalEvents;

namespace UserService;

/// <summary>Settings of the sample downstream service (section <c>UserService</c>).</summary>
public sealed class UserServiceOptions
{
    public const string Section = "UserService";

    /// <summary>The key callers present as <c>Authorization: &lt;key&gt;</c> (the demo uses <c>usersvcapikey</c>).</summary>
    [Required, StringLength(500, MinimumLength = 1)]
    public string ApiKey { get; set; } = "";

    /// <summary>
    /// The Standard Webhooks secret (<c>whsec_...</c>) shared with the approval service's service rule. When set,
    /// every delivery must carry a valid signature and a timestamp within five minutes, or it gets 401.
    /// </summary>
    public string? SigningSecret { get; set; }

    /// <summary>Apply this service's EF Core migrations (schema <c>user_service</c>) at start-up.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>The initial fault switch; <c>PUT /admin/faults</c> changes it at run time.</summary>
    public FaultSettings Faults { get; set; } = new();

    /// <summary>The optional subscription to the approval service's RabbitMQ events (off unless its URI is set).</summary>
    public ApprovalEventsOptions ApprovalEvents { get; set; } = new();

    internal bool HasUsableSigningSecret() =>
        SigningSecret is null || Webhooks.WebhookVerifier.TryDecodeSecret(SigningSecret, out _);
}

/// <summary>Injected failures for demos and tests: delay every answer, fail the next N deliveries with a status.</summary>
public sealed class FaultSettings
{
    public const int MaxDelayMs = 600_000;

    public int FailNextRequests { get; set; }

    public int FailStatus { get; set; } = 503;

    public int DelayMs { get; set; }

    internal string? Validate()
    {
        if (FailNextRequests < 0)
        {
            return "failNextRequests must not be negative.";
        }

        if (FailStatus is < 400 or > 599)
        {
            return "failStatus must be an HTTP error status (400 to 599).";
        }

        return DelayMs is < 0 or > MaxDelayMs ? $"delayMs must be from 0 to {MaxDelayMs}." : null;
    }
}
