using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Testing;
using Npgsql;

namespace UserService.Tests;

public class ApprovalReceiverTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>, IAsyncLifetime
{
    private HttpClient Client => fixture.Server.Client;

    public async Task InitializeAsync() => await fixture.Server.ResetFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Status_answers_ok_without_credentials()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        var body = await anonymous.GetFromJsonAsync<JsonObject>("/status");
        Assert.Equal("ok", (string?)body!["status"]);
    }

    [Fact]
    public async Task A_signed_delivery_is_recorded_and_answered_with_the_original_contract()
    {
        var approvalId = Guid.NewGuid();
        var response = await Client.SendAsync(fixture.Delivery(approvalId, 3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(approvalId.ToString(), (string?)answer["id"]);
        Assert.Equal(3, (int?)answer["status"]);
        Assert.Equal(0, (int?)answer["error_code"]);

        var received = (await fixture.Server.ReceivedAsync(approvalId))!;
        Assert.Equal(3, (int?)received["status"]);
        Assert.Equal(1, (int?)received["receivedCount"]);
        Assert.Equal(fixture.Clock.GetUtcNow().ToUnixTimeSeconds(), ((DateTimeOffset)received["firstReceivedAt"]!).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task The_same_webhook_id_twice_is_one_delivery()
    {
        var approvalId = Guid.NewGuid();
        var webhookId = Guid.NewGuid().ToString();

        var first = await Client.SendAsync(fixture.Delivery(approvalId, 4, webhookId));
        var again = await Client.SendAsync(fixture.Delivery(approvalId, 4, webhookId));

        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(1, (int?)(await fixture.Server.ReceivedAsync(approvalId))!["receivedCount"]);
        Assert.Equal(2, (await fixture.Server.TimesReceivedAsync(approvalId))[webhookId]);
    }

    [Fact]
    public async Task The_first_final_status_wins_and_is_what_later_deliveries_are_told()
    {
        var approvalId = Guid.NewGuid();
        await Client.SendAsync(fixture.Delivery(approvalId, 4));

        var later = await Client.SendAsync(fixture.Delivery(approvalId, 3));

        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(4, (int?)(await later.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
        var received = (await fixture.Server.ReceivedAsync(approvalId))!;
        Assert.Equal(4, (int?)received["status"]);
        Assert.Equal(2, (int?)received["receivedCount"]);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_different_statuses_all_learn_the_one_that_was_recorded()
    {
        var approvalId = Guid.NewGuid();
        short[] statuses = [3, 4, 5, 3, 4, 5, 3, 4, 5, 3, 4, 5];

        var responses = await Task.WhenAll(statuses.Select(status => Client.SendAsync(fixture.Delivery(approvalId, status))));

        var received = (await fixture.Server.ReceivedAsync(approvalId))!;
        var recorded = (int)received["status"]!;
        Assert.Equal(statuses.Length, (int?)received["receivedCount"]);
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(recorded, (int?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task A_missing_or_wrong_api_key_is_401_problem_details(string? key)
    {
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", key);
        }

        var approvalId = Guid.NewGuid();
        var response = await client.SendAsync(fixture.Delivery(approvalId, 3));

        await AssertProblemAsync(response, 401, "auth.unauthenticated");
        Assert.Null(await fixture.Server.ReceivedAsync(approvalId));
        await AssertProblemAsync(await client.GetAsync($"/approvals/{approvalId}"), 401, "auth.unauthenticated");
    }

    [Fact]
    public async Task Missing_or_wrong_signatures_and_stale_timestamps_are_refused()
    {
        var approvalId = Guid.NewGuid();
        var unsigned = fixture.Delivery(approvalId, 3);
        unsigned.Headers.Remove("webhook-signature");
        var wrongSecret = fixture.Delivery(approvalId, 3, secrets: "whsec_c29tZS1vdGhlci1zZWNyZXQtc29tZS1vdGhlci1zZWNyZXQ=");
        var tooOld = fixture.Delivery(approvalId, 3, sentAt: fixture.Clock.GetUtcNow().AddMinutes(-6));
        var tooNew = fixture.Delivery(approvalId, 3, sentAt: fixture.Clock.GetUtcNow().AddMinutes(6));
        var tampered = fixture.Delivery(approvalId, 3);
        var tamperedBody = $$"""{"id":"{{approvalId}}","status":4}""";
        tampered.Content = new StringContent(tamperedBody, System.Text.Encoding.UTF8, "application/json");

        foreach (var request in new[] { unsigned, wrongSecret, tooOld, tooNew, tampered })
        {
            await AssertProblemAsync(await Client.SendAsync(request), 401, "webhook.signature_invalid");
        }

        Assert.Null(await fixture.Server.ReceivedAsync(approvalId));
    }

    [Fact]
    public async Task During_a_secret_rotation_one_matching_signature_of_two_is_enough()
    {
        var approvalId = Guid.NewGuid();
        var request = fixture.Delivery(approvalId, 5, secrets: ["whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldy1zZWNyZXQ=", UserServiceServer.SigningSecret]);

        var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, (int?)(await fixture.Server.ReceivedAsync(approvalId))!["status"]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"id":"not-a-uuid","status":3}""")]
    [InlineData("""{"id":"0b6f7c3e-8a2d-4c1e-9f3a-2d4e5f6a7b8c","status":7}""")]
    [InlineData("""{"id":"0b6f7c3e-8a2d-4c1e-9f3a-2d4e5f6a7b8c"}""")]
    [InlineData("null")]
    public async Task A_bad_body_is_400_and_records_nothing(string body)
    {
        var response = await Client.SendAsync(fixture.Delivery(Guid.Empty, 3, body: body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(await fixture.Server.ReceivedAsync(Guid.Parse("0b6f7c3e-8a2d-4c1e-9f3a-2d4e5f6a7b8c")));
    }

    [Fact]
    public async Task A_body_over_64_KB_is_413()
    {
        var body = $$"""{"id":"{{Guid.NewGuid()}}","status":3,"padding":"{{new string('x', 70_000)}}"}""";
        var response = await Client.SendAsync(fixture.Delivery(Guid.Empty, 3, body: body));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_approvals_are_404_problem_details()
    {
        await AssertProblemAsync(await Client.GetAsync($"/approvals/{Guid.NewGuid()}"), 404, "approval.not_found");
        await AssertProblemAsync(await Client.GetAsync("/approvals/nope"), 400, "request.validation_failed");
    }

    [Fact]
    public async Task Its_tables_live_in_the_user_service_schema()
    {
        await using var connection = new NpgsqlConnection(fixture.Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'user_service' ORDER BY table_name", connection);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["__ef_migrations_history", "received_approvals", "received_events", "received_webhooks"], tables);
    }

    [Fact]
    public async Task Without_the_approval_events_mode_there_is_no_events_route()
    {
        Assert.False(fixture.Server.Subscriber.Subscribed.IsCompleted);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/events")).StatusCode);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (string?)JsonNode.Parse(body)!["code"]);
    }
}
