using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Infrastructure;
using Npgsql;

namespace Approvals.Api.Tests.Events;

/// <summary>
/// Within one approval the feed follows the order of its changes (their sequence), even when a change sent with an
/// Idempotency-Key queues for the approval behind another: a keyed request's first write is its own change, not a
/// claim of its key, so its transaction id is taken when it gets the approval's lock.
/// </summary>
public class EventFeedApprovalOrderTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task A_keyed_decision_that_queued_behind_an_edit_follows_it_in_the_feed()
    {
        var id = await CreateApprovalIdAsync("Queued changes");

        // Hold the approval's row lock, so that both changes queue for it: the edit first, then the keyed decision.
        await using var holder = new NpgsqlConnection(Factory.ConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM approvals WHERE id = $1 FOR UPDATE", holder, hold))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.Parse(id) });
            await lockRow.ExecuteNonQueryAsync();
        }

        var edit = PatchAsync(id, """{"comment":"edited while locked"}""");
        await WaitForLockWaitersAsync(1);
        var decision = Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/approvals/{id}/decision")
        {
            Content = JsonContent.Create(new { decision = "approve" }),
            Headers = { { "Idempotency-Key", $"queued-{id}" } },
        });
        await WaitForLockWaitersAsync(2);
        await hold.RollbackAsync();

        await AssertStatusAsync(await edit, HttpStatusCode.OK);
        await AssertStatusAsync(await decision, HttpStatusCode.Accepted);
        var events = (await EventFeedClient.ReadAtLeastAsync(Client, 3, filters: $"approvalId={id}")).Events;
        Assert.Equal(["approval.created", "approval.comment_edited", "approval.decided"], events.Select(e => (string)e["type"]!));
        Assert.Equal(["0000000001", "0000000002", "0000000003"], events.Select(e => (string)e["sequence"]!));
    }

    /// <summary>Waits until <paramref name="count"/> sessions of the test database wait for a row lock.</summary>
    private async Task WaitForLockWaitersAsync(int count)
    {
        await using var connection = new NpgsqlConnection(Factory.ConnectionString);
        await connection.OpenAsync();
        for (var i = 0; i < 200; i++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
            if ((long)(await command.ExecuteScalarAsync())! >= count)
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"{count} request(s) never queued for the approval's lock.");
    }
}
