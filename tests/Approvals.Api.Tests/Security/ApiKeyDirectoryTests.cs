using Approvals.Api.Auth;
using Approvals.Api.Features;
using Approvals.Api.Http.Endpoints;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Approvals.Api.Tests.Security;

/// <summary>Configured keys: found without the database, and replaced when the configuration reloads.</summary>
public class ApiKeyDirectoryTests
{
    private const string FirstKey = "first-configured-key-0123";
    private const string SecondKey = "second-configured-key-0123";

    [Fact]
    public async Task A_configured_key_is_found_without_the_database_and_follows_a_reload()
    {
        var options = new ReloadingOptions(Configured(("first", FirstKey, ["approvals:read"])));
        var directory = new ApiKeyDirectory(options, new FakeTimeProvider());

        var first = await directory.FindAsync(FirstKey, NoServices.Instance, default);
        Assert.Equal("first", first?.Name);
        Assert.Equal(["approvals:read"], first?.Scopes);
        Assert.Same(first, await directory.FindAsync(FirstKey, NoServices.Instance, default));

        options.Reload(Configured(("second", SecondKey, [])));
        var second = await directory.FindAsync(SecondKey, NoServices.Instance, default);
        Assert.Equal("second", second?.Name);
        Assert.Equal(Scopes.All, second?.Scopes);

        // The old key is no longer configured: the directory goes on to the database, which this test does not have.
        await Assert.ThrowsAsync<InvalidOperationException>(() => directory.FindAsync(FirstKey, NoServices.Instance, default));
    }

    private static ApiKeyOptions Configured(params (string Name, string Key, List<string> Scopes)[] keys) => new()
    {
        ApiKeys = [.. keys.Select(k => new ConfiguredApiKey { Name = k.Name, Key = k.Key, Scopes = k.Scopes })],
    };

    private sealed class ReloadingOptions(ApiKeyOptions initial) : IOptionsMonitor<ApiKeyOptions>
    {
        public ApiKeyOptions CurrentValue { get; private set; } = initial;

        public void Reload(ApiKeyOptions next) => CurrentValue = next;

        public ApiKeyOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<ApiKeyOptions, string?> listener) => null;
    }

    /// <summary>Request services without any: asking for the DbContext fails the test's lookup.</summary>
    private sealed class NoServices : IServiceProvider
    {
        public static readonly NoServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
