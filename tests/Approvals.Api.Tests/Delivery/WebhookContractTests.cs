using System.Collections.Concurrent;
using Approvals.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Approvals.Api.Tests.Delivery;

/// <summary>
/// The webhook the service really sends (a decision delivered by the dispatcher) is the one the OpenAPI document's
/// <c>webhooks</c> section describes: its headers and its body.
/// </summary>
public sealed class WebhookContractTests(DeliveryFixture fixture) : DeliveryTestBase(fixture), IDisposable
{
    private readonly ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)> _received = new();
    private WebApplication _downstream = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _downstream = builder.Build();
        _downstream.MapPost("/hook", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            _received.Enqueue((context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            await context.Response.WriteAsJsonAsync(new { error_code = 0 });
        });
        await _downstream.StartAsync();
    }

    public void Dispose() => _downstream.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Fact]
    public async Task A_delivered_decision_is_the_webhook_the_document_describes()
    {
        var rule = await Factory.AddServiceRuleAsync($"contract-{Guid.NewGuid():N}", $"{_downstream.Urls.First()}/hook");
        var id = Guid.Parse(await CreateApprovalIdAsync("Contract", rule));

        await AssertStatusAsync(await DecideAsync(id.ToString(), "approve"), System.Net.HttpStatusCode.Accepted);
        await WaitForStatusAsync(id, "APPROVED");

        Assert.True(_received.TryDequeue(out var webhook), "The service sent no webhook.");
        Assert.Null(OpenApiContract.Committed.CheckWebhook("approvalDecided", webhook.Headers, webhook.Body));
        Assert.NotNull(OpenApiContract.Committed.CheckWebhook("approvalDecided", webhook.Headers, "{\"id\":1}"u8.ToArray()));
    }
}
