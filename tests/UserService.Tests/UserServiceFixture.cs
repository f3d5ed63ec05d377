using System.Text;
using Approvals.Api.Delivery;
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

    /// <summary>A delivery as the approval service sends it, signed with <paramref name="secrets"/> (the demo secret by default).</summary>
    public HttpRequestMessage Delivery(
        Guid approvalId, int status, string? webhookId = null, DateTimeOffset? sentAt = null, string? body = null, params string[] secrets)
    {
        webhookId ??= Guid.NewGuid().ToString();
        var bytes = Encoding.UTF8.GetBytes(body ?? $$$"""{"id":"{{{approvalId}}}","status":{{{status}}},"event":"approval.test","approval":{"title":"t"}}""");
        var timestamp = (sentAt ?? Clock.GetUtcNow()).ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, "/approval") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Header(secrets.Length == 0 ? [UserServiceServer.SigningSecret] : secrets, webhookId, timestamp, bytes));
        return request;
    }
}
