using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Api.Http.Endpoints;
using Approvals.Api.Outbox;
using Approvals.Api.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using UserService;
using UserService.ApprovalEvents;

namespace Approvals.Testing;

/// <summary>
/// A real UserService listening on a free loopback port (real HTTP, real Kestrel) over its own database on the
/// test PostgreSQL, with the clock the test controls. The demo's key and signing secret by default.
/// </summary>
public sealed class UserServiceServer : IAsyncDisposable
{
    public const string ApiKey = "usersvcapikey";
    public const string SigningSecret = "whsec_ZGVtby1zaWduaW5nLXNlY3JldC1mb3ItdXNlcnN2Yw==";

    private readonly WebApplication _app;
    private readonly TimeProvider _clock;

    private UserServiceServer(WebApplication app, TimeProvider clock, Uri baseAddress, string connectionString)
    {
        _app = app;
        _clock = clock;
        BaseAddress = baseAddress;
        ConnectionString = connectionString;
        Client = new HttpClient { BaseAddress = baseAddress };
        Client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", ApiKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>The URL a service rule points at.</summary>
    public string ApprovalUrl => new Uri(BaseAddress, "/approval").ToString();

    /// <summary>A client that sends the service's API key.</summary>
    public HttpClient Client { get; }

    public string ConnectionString { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The subscriber of the approval events mode (idle unless <see cref="ApprovalEventsSettings"/> turned it on).</summary>
    public ApprovalEventSubscriber Subscriber => _app.Services.GetRequiredService<ApprovalEventSubscriber>();

    /// <param name="signingSecret">Null runs the service without signature checks, as an original-contract service.</param>
    /// <param name="settings">Configuration on top of the defaults; a <c>ConnectionStrings:UserService</c> in it reuses
    /// that database (a service started again over what an earlier one recorded) instead of creating one.</param>
    public static async Task<UserServiceServer> StartAsync(TimeProvider clock, string? signingSecret = SigningSecret, IDictionary<string, string?>? settings = null)
    {
        var connectionString = settings?.TryGetValue("ConnectionStrings:UserService", out var given) == true && given is not null
            ? given
            : await (await PostgresServer.GetAsync()).CreateDatabaseAsync("usersvc_test");
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:UserService"] = connectionString,
            ["UserService:ApiKey"] = ApiKey,
            ["UserService:SigningSecret"] = signingSecret,

            // Off unless a test turns it on, as ApprovalService's tests have it (ApprovalsApiFactory says why).
            ["Telemetry:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = UserServiceApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.RemoveAll<TimeProvider>();
            builder.Services.AddSingleton(clock);
        });
        await app.MigrateDatabaseAsync();
        await app.StartAsync();
        return new UserServiceServer(app, clock, new Uri(app.Urls.First()), connectionString);
    }

    /// <summary>
    /// A delivery as the approval service sends it (signed by its <see cref="WebhookSignature"/>), for
    /// <c>Client.SendAsync</c>. <paramref name="secrets"/> defaults to the demo secret.
    /// </summary>
    public HttpRequestMessage CreateDelivery(
        Guid approvalId, int status, string? webhookId = null, DateTimeOffset? sentAt = null, string? body = null, params string[] secrets)
    {
        webhookId ??= Guid.NewGuid().ToString();
        var bytes = Encoding.UTF8.GetBytes(body ?? $$$"""{"id":"{{{approvalId}}}","status":{{{status}}},"event":"approval.test","approval":{"title":"t"}}""");
        var timestamp = (sentAt ?? _clock.GetUtcNow()).ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, "/approval") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Header(secrets.Length == 0 ? [SigningSecret] : secrets, webhookId, timestamp, bytes));
        return request;
    }

    public async Task<JsonObject> SetFaultsAsync(int? failNextRequests = null, int? failStatus = null, int? delayMs = null)
    {
        var response = await Client.PutAsJsonAsync("/admin/faults", new { failNextRequests, failStatus, delayMs });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public Task<JsonObject> ResetFaultsAsync() => SetFaultsAsync(0, 503, 0);

    public async Task<long> RequestsSeenAsync() =>
        (long)(await Client.GetFromJsonAsync<JsonObject>("/admin/faults"))!["requestsSeen"]!;

    /// <summary>What the service recorded for an approval, or null when it received nothing.</summary>
    public async Task<JsonObject?> ReceivedAsync(Guid approvalId)
    {
        var response = await Client.GetAsync($"/approvals/{approvalId}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>Accepted webhook-ids and how often each arrived, straight from the service's table.</summary>
    public async Task<Dictionary<string, int>> TimesReceivedAsync(Guid? approvalId = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT webhook_id, times_received FROM user_service.received_webhooks WHERE @approval IS NULL OR approval_id = @approval", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid?>("approval", NpgsqlTypes.NpgsqlDbType.Uuid) { TypedValue = approvalId });
        await using var reader = await command.ExecuteReaderAsync();
        var result = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = reader.GetInt32(1);
        }

        return result;
    }

    /// <summary>
    /// Settings that subscribe the service to <c>approvals.events</c> at <paramref name="amqpUri"/> (its own queue,
    /// <c>approval.#</c>); pass them to <see cref="StartAsync"/> and await <c>Subscriber.Subscribed</c> before publishing.
    /// </summary>
    public static Dictionary<string, string?> ApprovalEventsSettings(string amqpUri, string? connectionString = null)
    {
        var settings = new Dictionary<string, string?> { ["UserService:ApprovalEvents:RabbitMqUri"] = amqpUri };
        if (connectionString is not null)
        {
            settings["ConnectionStrings:UserService"] = connectionString;
        }

        return settings;
    }

    /// <summary>The approval events received from RabbitMQ (<c>GET /events</c>), by approval and then sequence.</summary>
    public async Task<JsonArray> ReceivedEventsAsync(Guid? approvalId = null)
    {
        var response = await Client.GetAsync(approvalId is { } id ? $"/events?approvalId={id}" : "/events");
        response.EnsureSuccessStatusCode();
        return (JsonArray)(await response.Content.ReadFromJsonAsync<JsonObject>())!["events"]!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
