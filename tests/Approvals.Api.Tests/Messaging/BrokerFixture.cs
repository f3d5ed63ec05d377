using System.Text;
using Approvals.Api.Messaging;
using Approvals.Api.Tests.Delivery;
using Approvals.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Approvals.Api.Tests.Messaging;

/// <summary>
/// ApprovalService on the RabbitMQ transport (its relay and a worker in the API process, as role <c>all</c> runs
/// them), a real UserService, and a virtual host of its own on a real RabbitMQ node: the shared one, unless a test
/// class stops the broker (<see cref="DedicatedBroker"/>). One per test class.
/// </summary>
public class BrokerFixture : DeliveryFixture
{
    public RabbitMqServer Broker { get; private set; } = null!;

    /// <summary>The AMQP URI of this fixture's virtual host.</summary>
    public string BrokerUri { get; private set; } = "";

    public string VirtualHost => RabbitMqServer.VirtualHostOf(BrokerUri);

    /// <summary>How often a message may fail before it is dead-lettered, as this fixture's processes declare the queue.</summary>
    public virtual int DeliveryLimit => 5;

    /// <summary>Whether the API process consumes deliveries itself (role all) or leaves them to worker hosts.</summary>
    protected virtual bool ApiRunsWorker => true;

    protected virtual bool DedicatedBroker => false;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        .. base.ExtraSettings,
        .. BrokerSettings(BrokerUri, DeliveryLimit),
        new("Delivery:Enabled", ApiRunsWorker ? "true" : "false"),
    ];

    public static IEnumerable<KeyValuePair<string, string?>> BrokerSettings(string uri, int deliveryLimit) =>
    [
        new("Messaging:Transport", "rabbitmq"),
        new("Messaging:RabbitMQ:Uri", uri),
        new("Messaging:RabbitMQ:DeliveryLimit", deliveryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Messaging:RabbitMQ:RelayPollInterval", "00:00:00.200"),
        new("Messaging:RabbitMQ:MaxReconnectDelay", "00:00:01"),
    ];

    public override async Task InitializeAsync()
    {
        Broker = DedicatedBroker ? await RabbitMqServer.StartDedicatedAsync() : await RabbitMqServer.GetAsync();
        BrokerUri = await Broker.CreateVirtualHostAsync("approvals");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (DedicatedBroker && Broker is not null)
        {
            await Broker.DisposeAsync();
        }
    }

    /// <summary>A worker process (<c>--role worker</c>) on this fixture's database, broker and clock.</summary>
    public BrokerWorkerHost StartWorker(bool runsDelivery = true, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var host = new BrokerWorkerHost(HostConnectionStringForWorkers, BrokerUri, DeliveryLimit, Clock, runsDelivery, settings);
        _ = host.Services; // Starts the host, and with it its relay and worker.
        return host;
    }

    private string HostConnectionStringForWorkers => new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 20 }.ConnectionString;

    /// <summary>
    /// Declares a queue of the test's own bound to <c>approvals.events</c> (as a subscriber would) and collects what
    /// arrives in it, acknowledging each message.
    /// </summary>
    public async Task<EventTap> TapEventsAsync(string bindingKey = "#")
    {
        var factory = new ConnectionFactory { Uri = new Uri(BrokerUri), AutomaticRecoveryEnabled = true, NetworkRecoveryInterval = TimeSpan.FromMilliseconds(500) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        await RabbitMqTopology.DeclareAsync(channel, new() { DeliveryLimit = DeliveryLimit }, CancellationToken.None);
        var queue = $"test.tap.{Guid.NewGuid():N}";
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await channel.QueueBindAsync(queue, RabbitMqTopology.EventsExchange, bindingKey);
        var tap = new EventTap(connection, channel);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            tap.Add(TappedEvent.From(delivery));
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return tap;
    }
}

/// <summary>One message as a subscriber of <c>approvals.events</c> received it.</summary>
public sealed record TappedEvent(
    string RoutingKey, string? MessageId, bool Persistent, string? ContentType, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public Guid ApprovalId => Guid.Parse(Headers["cloudEvents_subject"]);

    public int Sequence => int.Parse(Headers["cloudEvents_sequence"], System.Globalization.CultureInfo.InvariantCulture);

    public static TappedEvent From(BasicDeliverEventArgs delivery) => new(
        delivery.RoutingKey,
        delivery.BasicProperties.MessageId,
        delivery.BasicProperties.Persistent,
        delivery.BasicProperties.ContentType,
        (delivery.BasicProperties.Headers ?? new Dictionary<string, object?>())
            .ToDictionary(h => h.Key, h => h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString() ?? ""),
        Encoding.UTF8.GetString(delivery.Body.Span));
}

/// <summary>What a test's subscriber queue has received so far.</summary>
public sealed class EventTap(IConnection connection, IChannel channel) : IAsyncDisposable
{
    private readonly List<TappedEvent> _events = [];

    public IReadOnlyList<TappedEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void Add(TappedEvent tapped)
    {
        lock (_events)
        {
            _events.Add(tapped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}

/// <summary>ApprovalService started with <c>--role worker</c> on the RabbitMQ transport: its relay and its delivery worker.</summary>
public sealed class BrokerWorkerHost(
    string connectionString, string brokerUri, int deliveryLimit, TimeProvider clock, bool runsDelivery,
    IEnumerable<KeyValuePair<string, string?>>? settings = null) : WebApplicationFactory<Program>
{
    public DeliveryWorker Worker => Services.GetRequiredService<DeliveryWorker>();

    public Api.Timers.TimerLoop Timers => Services.GetRequiredService<Api.Timers.TimerLoop>();

    public EventRelay Relay => Services.GetRequiredService<EventRelay>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Role", runsDelivery ? "worker" : "api");
        builder.UseSetting("ConnectionStrings:Approvals", connectionString);
        builder.UseSetting("Database:MigrateOnStartup", "false");
        builder.UseSetting("Telemetry:Enabled", "false"); // as ApprovalsApiFactory has it
        builder.UseSetting("Delivery:AllowPrivateNetworks", "true"); // the test UserService is on 127.0.0.1
        foreach (var (key, value) in BrokerFixture.BrokerSettings(brokerUri, deliveryLimit).Concat(settings ?? []))
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton(clock);
        });
    }
}

/// <summary>The API without a worker of its own, for tests that run workers as separate hosts.</summary>
public sealed class ApiOnlyBrokerFixture : BrokerFixture
{
    protected override bool ApiRunsWorker => false;

    public override int DeliveryLimit => 2;
}

/// <summary>A broker of the class's own, which its tests stop and start.</summary>
public sealed class DedicatedBrokerFixture : BrokerFixture
{
    protected override bool DedicatedBroker => true;
}
