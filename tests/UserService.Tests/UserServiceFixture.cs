using Approvals.Testing;
using Microsoft.Extensions.Time.Testing;

namespace UserService.Tests;

/// <summary>One running UserService (signatures required) per test class, with a clock the tests move.</summary>
public sealed class UserServiceFixture : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public UserServiceServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await UserServiceServer.StartAsync(Clock);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public HttpRequestMessage Delivery(
        Guid approvalId, int status, string? webhookId = null, DateTimeOffset? sentAt = null, string? body = null, params string[] secrets) =>
        Server.CreateDelivery(approvalId, status, webhookId, sentAt, body, secrets);
}
