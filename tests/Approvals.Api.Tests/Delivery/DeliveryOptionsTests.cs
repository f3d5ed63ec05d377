using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace Approvals.Api.Tests.Delivery;

/// <summary>Bad dispatcher settings stop the host at start instead of running it wrongly.</summary>
public class DeliveryOptionsTests
{
    [Theory]
    [InlineData("Delivery:MaxConcurrency", "0")]
    [InlineData("Delivery:LeaseDuration", "00:00:01")]
    [InlineData("Delivery:SweepInterval", "00:00:00")]
    public void Out_of_range_settings_fail_validation_on_start(string key, string value)
    {
        using var host = new SettingsHost(new() { [key] = value });
        var failure = Assert.Throws<OptionsValidationException>(() => host.Services);
        Assert.Contains(key.Split(':')[1], failure.Message);
    }

    [Fact]
    public void A_dispatcher_role_with_delivery_disabled_fails_on_start()
    {
        using var host = new SettingsHost(new() { ["Role"] = "dispatcher", ["Delivery:Enabled"] = "false" });
        var failure = Assert.Throws<OptionsValidationException>(() => host.Services);
        Assert.Contains("--role worker", failure.Message);
    }

    [Fact]
    public void An_unknown_role_fails_on_start()
    {
        using var host = new SettingsHost(new() { ["Role"] = "everything" });
        Assert.Contains("Unknown role", Assert.Throws<InvalidOperationException>(() => host.Services).Message);
    }

    [Theory]
    [InlineData(null, "amqp:// or amqps://")]
    [InlineData("http://127.0.0.1:5672/", "amqp:// or amqps://")]
    [InlineData("not a uri", "amqp:// or amqps://")]
    public void The_rabbitmq_transport_without_a_usable_broker_uri_fails_on_start(string? uri, string expected)
    {
        var settings = new Dictionary<string, string> { ["Messaging:Transport"] = "rabbitmq" };
        if (uri is not null)
        {
            settings["Messaging:RabbitMQ:Uri"] = uri;
        }

        using var host = new SettingsHost(settings);
        Assert.Contains(expected, Assert.Throws<OptionsValidationException>(() => host.Services).Message);
    }

    [Theory]
    [InlineData("Messaging:RabbitMQ:Prefetch", "0")]
    [InlineData("Messaging:RabbitMQ:DeliveryLimit", "0")]
    [InlineData("Messaging:RabbitMQ:RelayBatchSize", "0")]
    [InlineData("Messaging:RabbitMQ:RelayPollInterval", "00:00:00")]
    public void Out_of_range_broker_settings_fail_on_start(string key, string value)
    {
        using var host = new SettingsHost(new()
        {
            ["Messaging:Transport"] = "rabbitmq",
            ["Messaging:RabbitMQ:Uri"] = "amqp://guest:guest@127.0.0.1:9/",
            [key] = value,
        });
        Assert.Contains(key.Split(':')[^1], Assert.Throws<OptionsValidationException>(() => host.Services).Message);
    }

    [Fact]
    public void An_unknown_transport_fails_on_start()
    {
        using var host = new SettingsHost(new() { ["Messaging:Transport"] = "kafka" });
        var failure = Assert.ThrowsAny<Exception>(() => host.Services);
        Assert.Contains("kafka", failure.ToString());
    }

    /// <summary>The host with the given settings; no database is needed because start-up fails before one is used.</summary>
    private sealed class SettingsHost(Dictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Approvals", "Host=127.0.0.1;Port=9;Database=none");
            builder.UseSetting("Database:MigrateOnStartup", "false");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
