using Approvals.Api.Tests.Infrastructure;

namespace Approvals.Api.Tests.Delivery;

/// <summary>Bad dispatcher settings stop the host at start instead of running it wrongly.</summary>
public class DeliveryOptionsTests
{
    [Theory]
    [InlineData("Delivery:MaxConcurrency", "0")]
    [InlineData("Delivery:LeaseDuration", "00:00:01")]
    [InlineData("Delivery:SweepInterval", "00:00:00")]
    public async Task Out_of_range_settings_fail_validation_on_start(string key, string value)
    {
        var failure = await ServiceStart.ValidationFailureAsync((key, value));
        Assert.Contains(key.Split(':')[1], failure.Message);
    }

    [Fact]
    public async Task A_dispatcher_role_with_delivery_disabled_fails_on_start()
    {
        var failure = await ServiceStart.ValidationFailureAsync(("Role", "dispatcher"), ("Delivery:Enabled", "false"));
        Assert.Contains("--role worker", failure.Message);
    }

    [Fact]
    public async Task An_unknown_role_fails_on_start()
    {
        var failure = Assert.IsType<InvalidOperationException>(await ServiceStart.FailureAsync(("Role", "everything")));
        Assert.Contains("Unknown role", failure.Message);
    }

    [Theory]
    [InlineData(null, "amqp:// or amqps://")]
    [InlineData("http://127.0.0.1:5672/", "amqp:// or amqps://")]
    [InlineData("not a uri", "amqp:// or amqps://")]
    public async Task The_rabbitmq_transport_without_a_usable_broker_uri_fails_on_start(string? uri, string expected)
    {
        var failure = await ServiceStart.ValidationFailureAsync(("Messaging:Transport", "rabbitmq"), ("Messaging:RabbitMQ:Uri", uri));
        Assert.Contains(expected, failure.Message);
    }

    [Theory]
    [InlineData("Messaging:RabbitMQ:Prefetch", "0")]
    [InlineData("Messaging:RabbitMQ:DeliveryLimit", "0")]
    [InlineData("Messaging:RabbitMQ:RelayBatchSize", "0")]
    [InlineData("Messaging:RabbitMQ:RelayPollInterval", "00:00:00")]
    public async Task Out_of_range_broker_settings_fail_on_start(string key, string value)
    {
        var failure = await ServiceStart.ValidationFailureAsync(
            ("Messaging:Transport", "rabbitmq"), ("Messaging:RabbitMQ:Uri", "amqp://guest:guest@127.0.0.1:9/"), (key, value));
        Assert.Contains(key.Split(':')[^1], failure.Message);
    }

    [Fact]
    public async Task An_unknown_transport_fails_on_start()
    {
        var failure = await ServiceStart.FailureAsync(("Messaging:Transport", "kafka"));
        Assert.NotNull(failure);
        Assert.Contains("kafka", failure.ToString());
    }
}
