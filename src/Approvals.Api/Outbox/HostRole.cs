namespace Approvals.Api.Outbox;

/// <summary>
/// What this process does, from the <c>Role</c> setting (<c>--role worker</c> on the command line):
/// <c>all</c> (the default) serves the API and delivers; <c>api</c> only serves the API (as
/// <c>Delivery:Enabled=false</c>); <c>worker</c> (also spelled <c>dispatcher</c>, its name before the broker
/// transport) only delivers, answering nothing but the health checks, so delivery scales apart from the API. With the
/// <c>postgres</c> transport a worker runs the dispatcher; with <c>rabbitmq</c> it consumes the delivery queue. Every
/// process that delivers also fires the approvals' timers (deadlines that act, reminders) on either transport.
/// </summary>
public enum HostRole
{
    All,
    Api,
    Worker,
}

public static class HostRoles
{
    public const string ConfigurationKey = "Role";

    public static HostRole Of(IConfiguration configuration) => configuration[ConfigurationKey]?.Trim().ToLowerInvariant() switch
    {
        null or "" or "all" => HostRole.All,
        "api" => HostRole.Api,
        "worker" or "dispatcher" => HostRole.Worker,
        var other => throw new InvalidOperationException($"Unknown role '{other}'; use all, api or worker."),
    };
}
