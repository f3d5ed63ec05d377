using Approvals.Api.Tests.Delivery;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Messaging;
using Microsoft.AspNetCore.Hosting;

namespace Approvals.Api.Tests.Telemetry;

/// <summary>
/// The telemetry tests run one class at a time, after the others: tracer and meter providers listen to sources and
/// meters by name across the process, so no other service may be running beside them (the other tests' services
/// have telemetry off, ApprovalsApiFactory says why).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";

    /// <summary>Telemetry on, as it is by default outside the tests.</summary>
    public static readonly KeyValuePair<string, string?> On = new("Telemetry:Enabled", "true");
}

/// <summary>A fixture whose ApprovalService exports its spans into <see cref="Spans"/>.</summary>
public interface ITracedFixture
{
    SpanLog Spans { get; }
}

/// <summary>The API and a UserService, telemetry on, delivering on the postgres transport (the API's own dispatcher).</summary>
public sealed class TelemetryDeliveryFixture : DeliveryFixture, ITracedFixture
{
    public SpanLog Spans { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [.. base.ExtraSettings, TelemetryCollection.On];

    protected override IDictionary<string, string?>? UserServiceSettings => new Dictionary<string, string?> { [TelemetryCollection.On.Key] = TelemetryCollection.On.Value };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(Spans.ExportFrom);
    }
}

/// <summary>The same on the rabbitmq transport (the relay and a worker in the API process).</summary>
public sealed class TelemetryBrokerFixture : BrokerFixture, ITracedFixture
{
    public SpanLog Spans { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [.. base.ExtraSettings, TelemetryCollection.On];

    protected override IDictionary<string, string?>? UserServiceSettings => new Dictionary<string, string?> { [TelemetryCollection.On.Key] = TelemetryCollection.On.Value };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(Spans.ExportFrom);
    }
}

/// <summary>The API alone (no delivery: decisions' jobs stay queued), telemetry on.</summary>
public sealed class TelemetryApiFactory : ApprovalsApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [TelemetryCollection.On];
}
