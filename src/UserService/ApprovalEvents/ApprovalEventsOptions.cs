using Microsoft.Extensions.Options;

namespace UserService.ApprovalEvents;

/// <summary>
/// The optional subscription to the approval service's event exchange (section <c>UserService:ApprovalEvents</c>);
/// off unless <see cref="RabbitMqUri"/> is set. Validated on start.
/// </summary>
public sealed class ApprovalEventsOptions
{
    public const string DefaultQueue = "userservice.approval-events";
    public const string DefaultBindingKey = "approval.#";
    public const int MaxPrefetch = 1000;

    /// <summary>The broker, e.g. <c>amqp://user:password@rabbit.example:5672/approvals</c> (the path is the virtual host).</summary>
    public string? RabbitMqUri { get; set; }

    /// <summary>This service's own durable quorum queue, bound to <c>approvals.events</c>.</summary>
    public string Queue { get; set; } = DefaultQueue;

    /// <summary>
    /// Topic patterns over the event types (<c>approval.#</c>, <c>approval.delivery_*</c>). Null until configured:
    /// the configuration binder appends to a list that has items, so the default is applied in <see cref="EffectiveBindingKeys"/>.
    /// </summary>
    public IReadOnlyList<string>? BindingKeys { get; set; }

    /// <summary>Messages the broker hands this service unacknowledged at a time: the most one batch records.</summary>
    public int Prefetch { get; set; } = 50;

    public bool IsEnabled => !string.IsNullOrWhiteSpace(RabbitMqUri);

    public IReadOnlyList<string> EffectiveBindingKeys => BindingKeys is { Count: > 0 } keys ? keys : [DefaultBindingKey];

    /// <summary>The first problem with these settings, or null when they are usable (or the mode is off).</summary>
    internal string? Validate()
    {
        if (!IsEnabled)
        {
            return null;
        }

        if (!Uri.TryCreate(RabbitMqUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            return "RabbitMqUri must be an amqp:// or amqps:// URI.";
        }

        // AMQP names are short strings (at most 255 bytes); "amq." names are reserved by the broker.
        if (!IsShortString(Queue) || Queue.StartsWith("amq.", StringComparison.Ordinal))
        {
            return "Queue must be 1 to 255 characters and must not start with \"amq.\".";
        }

        if (EffectiveBindingKeys.Any(key => !IsShortString(key)))
        {
            return "every BindingKeys entry must be 1 to 255 characters.";
        }

        return Prefetch is < 1 or > MaxPrefetch ? $"Prefetch must be from 1 to {MaxPrefetch}." : null;
    }

    private static bool IsShortString(string? value) =>
        !string.IsNullOrWhiteSpace(value) && System.Text.Encoding.UTF8.GetByteCount(value) <= 255;
}

/// <summary>Names the setting that is wrong, which a static validation message could not.</summary>
internal sealed class ApprovalEventsOptionsValidator : IValidateOptions<UserServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, UserServiceOptions options) =>
        options.ApprovalEvents.Validate() is { } problem
            ? ValidateOptionsResult.Fail($"UserService:ApprovalEvents: {problem}")
            : ValidateOptionsResult.Success;
}
