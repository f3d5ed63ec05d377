using Approvals.Api.Features;
using Approvals.Api.Outbox;
using Approvals.Api.Persistence;
using Approvals.Api.Webhooks;
using Microsoft.Extensions.Options;

namespace Approvals.Api;

/// <summary>Registers the dispatcher, its HTTP client and the delivery endpoints' services.</summary>
public static class DeliverySetup
{
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddOptions<DeliveryOptions>()
            .BindConfiguration(DeliveryOptions.Section)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                // --role api is the same as Delivery:Enabled=false.
                if (HostRoles.Of(configuration) == HostRole.Api)
                {
                    options.Enabled = false;
                }
            })
            .ValidateDataAnnotations()
            .Validate<IConfiguration>(
                (options, configuration) => options.Enabled || HostRoles.Of(configuration) != HostRole.Worker,
                "--role worker with Delivery:Enabled=false would do nothing.")
            .ValidateOnStart();

        services.AddSingleton<DeliveryJobStore>();
        services.AddSingleton<DeliveryNotificationListener>();
        services.AddScoped<DeliveryJobRunner>();
        services.AddScoped<DeliveryRecorder>();
        services.AddScoped<Redelivery>();
        services.AddScoped<FailedDeliveries>();
        services.AddScoped<DeliveryHealth>();
        services.AddSingleton<DeliveryDispatcher>();
        services.AddHostedService(serviceProvider => serviceProvider.GetRequiredService<DeliveryDispatcher>());
        services.AddScoped<DeliveryHandOff>();

        // The per-rule timeout is enforced per attempt (with the TimeProvider), so the client itself never times out.
        // Redirects are not followed: a moved webhook endpoint should be fixed in its service rule (and a redirect
        // cannot lead past the address check). Unless private networks are allowed, every connection goes through the
        // address check, directly (through a proxy, only the proxy's address would be checked). The factory's request
        // logging is removed because URLs may carry credentials; the dispatcher logs what matters.
        services.AddHttpClient<WebhookSender>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(serviceProvider =>
            {
                var allowPrivateNetworks = serviceProvider.GetRequiredService<IOptions<DeliveryOptions>>().Value.AllowPrivateNetworks;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    UseProxy = allowPrivateNetworks,
                    ConnectCallback = allowPrivateNetworks ? null : WebhookTargetGuard.ConnectAsync,
                };
            })
            .RemoveAllLoggers();
        return services;
    }

}
