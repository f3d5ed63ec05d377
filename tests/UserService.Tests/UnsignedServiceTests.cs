using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Testing;
using Microsoft.Extensions.Time.Testing;

namespace UserService.Tests;

/// <summary>Without a signing secret the service accepts the original, unsigned contract.</summary>
public sealed class UnsignedServiceTests : IAsyncLifetime
{
    private UserServiceServer _server = null!;

    public async Task InitializeAsync() => _server = await UserServiceServer.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow), signingSecret: null);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_unsigned_original_request_is_accepted_and_each_counts()
    {
        var approvalId = Guid.NewGuid();
        var first = await _server.Client.PostAsJsonAsync("/approval", new { id = approvalId, status = 5 });
        var second = await _server.Client.PostAsJsonAsync("/approval", new { id = approvalId, status = 3 });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answer = (await second.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(5, (int?)answer["status"]);
        Assert.Equal(0, (int?)answer["error_code"]);
        Assert.Equal(2, (int?)(await _server.ReceivedAsync(approvalId))!["receivedCount"]);
    }
}
