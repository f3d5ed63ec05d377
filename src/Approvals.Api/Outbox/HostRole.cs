namespace Approvals.Api.Outbox;

/// <summary>
/// What this process does, from the <c>Role</c> setting (<c>--role dispatcher</c> on the command line):
/// <c>all</c> (the default) serves the API and dispatches; <c>api</c> only serves the API (as
/// <c>Delivery:Enabled=false</c>); <c>dispatcher</c> only dispatches, answering nothing but the health checks, so
/// dispatchers can be scaled apart from the API.
/// </summary>
public enum HostRole
{
    All,
    Api,
    Dispatcher,
}

public static class HostRoles
{
    public const string ConfigurationKey = "Role";

    public static HostRole Of(IConfiguration configuration) => configuration[ConfigurationKey]?.Trim().ToLowerInvariant() switch
    {
        null or "" or "all" => HostRole.All,
        "api" => HostRole.Api,
        "dispatcher" => HostRole.Dispatcher,
        var other => throw new InvalidOperationException($"Unknown role '{other}'; use all, api or dispatcher."),
    };
}
