using Approvals.Api.Messaging;
using Approvals.Api.Outbox;

namespace Approvals.Api;

/// <summary>
/// Registers the transport (section <c>Messaging</c>): its options, validated on start, and the RabbitMQ transport's
/// connection, relay and worker, which stay idle on the default <c>postgres</c> transport.
/// </summary>
public static class MessagingSetup
{
    public static IServiceCollection AddMessaging(this IServiceCollection services)
    {
        services.AddOptions<MessagingOptions>()
            .BindConfiguration(MessagingOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<RabbitMqConnection>();
        services.AddScoped<BrokerDeliveryRecorder>();
        services.AddSingleton<EventRelay>();
        services.AddHostedService(serviceProvider => serviceProvider.GetRequiredService<EventRelay>());
        services.AddSingleton<DeliveryWorker>();
        services.AddHostedService(serviceProvider => serviceProvider.GetRequiredService<DeliveryWorker>());
        return services;
    }
}
