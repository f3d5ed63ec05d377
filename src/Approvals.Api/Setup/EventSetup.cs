using Approvals.Api.Features;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;

namespace Approvals.Api;

/// <summary>Registers the event feed: its options, reader and signal, and the listener that wakes its long polls.</summary>
public static class EventSetup
{
    /// <summary>The key of the data source of the feed's LISTEN connection (<see cref="ApprovalEventListener"/>).</summary>
    public const string ListenerDataSource = "events-listener";

    public static IServiceCollection AddEventFeed(this IServiceCollection services)
    {
        services.AddOptions<EventFeedOptions>().BindConfiguration(EventFeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApprovalEventStore>();
        services.AddSingleton<EventFeed>();
        services.AddSingleton<ApprovalEventSignal>();
        services.AddSingleton<IEventsCommittedObserver>(serviceProvider => serviceProvider.GetRequiredService<ApprovalEventSignal>());

        // A session of its own like the session data source's, named apart from the pool's connections.
        services.AddKeyedSingleton(ListenerDataSource, (serviceProvider, _) => ApprovalsApiSetup.BuildDataSource(serviceProvider, connectionString =>
        {
            var builder = DatabaseSetup.CreateSessionDataSourceBuilder(connectionString);
            var name = builder.ConnectionStringBuilder.ApplicationName;
            builder.ConnectionStringBuilder.ApplicationName = string.IsNullOrEmpty(name) ? "approvals event listener" : $"{name} (event listener)";
            return builder;
        }));
        services.AddHostedService<ApprovalEventListener>();
        return services;
    }
}
