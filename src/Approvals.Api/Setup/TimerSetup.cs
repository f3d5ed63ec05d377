using Approvals.Api.Features;
using Approvals.Api.Timers;

namespace Approvals.Api;

/// <summary>Registers deadlines that act: the timer loop (idle where nothing is delivered), its use case and its signal.</summary>
public static class TimerSetup
{
    public static IServiceCollection AddTimers(this IServiceCollection services)
    {
        services.AddOptions<TimerOptions>().BindConfiguration(TimerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TimerSignal>();
        services.AddScoped<DeadlineTimers>();
        services.AddSingleton<TimerLoop>();
        services.AddHostedService(serviceProvider => serviceProvider.GetRequiredService<TimerLoop>());
        return services;
    }
}
