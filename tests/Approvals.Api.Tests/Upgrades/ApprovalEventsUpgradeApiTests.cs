using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Approvals.Testing;
using static Approvals.Api.Tests.Upgrades.PreEventsDatabase;

namespace Approvals.Api.Tests.Upgrades;

/// <summary>The service started on a database from before approval events; it applies the migration itself on startup.</summary>
public sealed class UpgradedApiFactory : ApprovalsApiFactory
{
    protected override Task<string> CreateDatabaseAsync(PostgresServer server) => PreEventsDatabase.CreateAsync(server);
}

/// <summary>
/// What clients of the history endpoint see after the upgrade: the entries the old history table served, and the
/// service going on from them.
/// </summary>
public class ApprovalEventsUpgradeApiTests(UpgradedApiFactory factory) : ApiTestBase<UpgradedApiFactory>(factory)
{
    [Fact]
    public async Task Upgraded_service_serves_the_old_history_unchanged_and_continues_it()
    {
        foreach (var approval in new[] { Laptop, Travel, Chairs, Screen })
        {
            var rows = History.Where(r => r.ApprovalId == approval).ToList();
            var entries = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{approval}/history"))!;

            Assert.Equal(rows.Select(r => r.Id), entries.Select(e => (long)e!["id"]!));
            foreach (var (row, entry) in rows.Zip(entries))
            {
                var at = $"entry {row.Id}";
                Assert.Equal(row.At, (DateTimeOffset)entry!["at"]!);
                Assert.Equal(row.Actor, (string?)entry["actor"]);
                Assert.Equal(row.Action, (string?)entry["action"]);
                Assert.Equal(row.FromStatus?.ToWireName(), (string?)entry["fromStatus"]);
                Assert.Equal(row.ToStatus?.ToWireName(), (string?)entry["toStatus"]);
                var changes = row.Changes is null ? null : JsonNode.Parse(row.Changes);
                Assert.True(JsonNode.DeepEquals(changes, entry["changes"]),
                    $"{at}: the history had changes {changes?.ToJsonString()}, the endpoint answers {entry["changes"]?.ToJsonString()}");
                Assert.Equal(row.CorrelationId, (string?)entry["correlationId"]);
                Assert.Equal(rows.IndexOf(row) + 1, (int)entry["sequence"]!);
            }
        }

        // Chairs' version followed its history to 3; the ETag says so.
        var chairs = await Client.GetAsync($"/api/v1/approvals/{Chairs}");
        await AssertStatusAsync(chairs, HttpStatusCode.OK);
        Assert.Equal(3, (int)(await ReadObjectAsync(chairs))["version"]!);

        // The first change after the upgrade: a comment on the approved laptop, its seventh event, numbered after
        // every moved row.
        var edited = await PatchAsync(Laptop.ToString(), """{"comment": "delivered on Monday"}""");
        await AssertStatusAsync(edited, HttpStatusCode.OK);
        Assert.Equal(7, (int)(await ReadObjectAsync(edited))["version"]!);
        var last = (await Client.GetFromJsonAsync<JsonArray>($"/api/v1/approvals/{Laptop}/history"))![^1]!;
        Assert.Equal((7, "approval.comment_edited", "edited"), ((int)last["sequence"]!, (string?)last["type"], (string?)last["action"]));
        Assert.True((long)last["id"]! > History.Max(r => r.Id), $"The new entry got id {last["id"]}.");
    }
}
