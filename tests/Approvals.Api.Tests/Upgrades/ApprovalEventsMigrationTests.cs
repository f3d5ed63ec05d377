using System.Globalization;
using System.Text.Json.Nodes;
using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Domain;
using Approvals.Testing;
using Npgsql;
using static Approvals.Api.Tests.Upgrades.PreEventsDatabase;

namespace Approvals.Api.Tests.Upgrades;

/// <summary>
/// Migration ApprovalEvents on a database that already holds history (<see cref="PreEventsDatabase"/>): what
/// approval_events holds afterwards, that the table is append-only and numbering goes on after the moved rows, and the
/// way back. Each test migrates its own copy of the old database with EF Core's migrator.
/// </summary>
public class ApprovalEventsMigrationTests
{
    /// <summary>
    /// What each history row must become, written out rather than derived by the rules the migration follows: the
    /// position is the row's id, the sequence counts the approval's rows in id order, the type is the action refined
    /// (an edit of the comment alone; a status change to ERROR or to a final status).
    /// </summary>
    private static readonly ExpectedEvent[] Expected =
    [
        new(41, Laptop, 1, "approval.created", null, "PENDING"),
        new(42, Travel, 1, "approval.created", null, "PENDING"),
        new(44, Laptop, 2, "approval.edited", "PENDING", "PENDING"),
        new(45, Chairs, 1, "approval.created", null, "PENDING"),
        new(46, Travel, 2, "approval.comment_edited", "PENDING", "PENDING"),
        new(47, Laptop, 3, "approval.decided", "PENDING", "ACKNOWLEDGED_APPROVED", Decision: "approve"),
        new(48, Chairs, 2, "approval.edited", "PENDING", "PENDING"),
        new(49, Travel, 3, "approval.decided", "PENDING", "ACKNOWLEDGED_REJECTED", Decision: "reject"),
        new(52, Laptop, 4, "approval.errored", "ACKNOWLEDGED_APPROVED", "ERROR"),
        new(53, Travel, 4, "approval.resolved", "ACKNOWLEDGED_REJECTED", "REJECTED"),
        new(54, Chairs, 3, "approval.decided", "PENDING", "ACKNOWLEDGED_CANCELLED", Decision: "cancel"),
        new(55, Laptop, 5, "approval.redelivered", "ERROR", "ACKNOWLEDGED_APPROVED", JobId: LaptopInventoryJob.ToString()),
        new(56, Laptop, 6, "approval.resolved", "ACKNOWLEDGED_APPROVED", "APPROVED"),
        new(57, Screen, 1, "approval.created", null, "PENDING"),
    ];

    private static readonly long LastMigratedPosition = History.Max(r => r.Id);

    [Fact]
    public async Task Upgrade_turns_every_history_row_into_the_event_it_recorded()
    {
        await using var connection = await OpenAsync(await UpgradedAsync());

        var events = await ReadEventsAsync(connection);

        Assert.Equal(Expected.Select(e => e.Position), events.Select(e => e.Position));
        foreach (var (expected, stored) in Expected.Zip(events))
        {
            var row = History.Single(r => r.Id == expected.Position);
            var at = $"event {stored.Position}";
            Assert.True(expected.ApprovalId == stored.ApprovalId, at);
            Assert.True(expected.Sequence == stored.Sequence, $"{at}: sequence {stored.Sequence}");
            Assert.True(expected.Type == stored.Type, $"{at}: type {stored.Type}");
            Assert.Equal(row.At, stored.OccurredAt);
            Assert.Equal(row.Actor, stored.Actor);
            Assert.Equal(row.CorrelationId, stored.CorrelationId);
            AssertJson(ExpectedData(expected, row), stored.Data, at);
        }

        // Every approval's sequences run 1, 2, 3, … in position order, without gaps.
        foreach (var approval in events.GroupBy(e => e.ApprovalId))
        {
            Assert.Equal(Enumerable.Range(1, approval.Count()), approval.OrderBy(e => e.Position).Select(e => e.Sequence));
        }

        // One transaction moved them all: one transaction_id (what the feed orders by), before anything written later.
        Assert.Single(events.Select(e => e.TransactionId).Distinct());
    }

    [Fact]
    public async Task Event_ids_are_unique_version_7_uuids_whose_timestamp_is_the_row_time_in_milliseconds()
    {
        await using var connection = await OpenAsync(await UpgradedAsync());

        var events = await ReadEventsAsync(connection);

        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        foreach (var stored in events)
        {
            var hex = stored.Id.ToString("N");
            Assert.True(stored.Id.Version == 7, $"{stored.Id} is version {stored.Id.Version}");
            Assert.True((stored.Id.Variant & 0b1100) == 0b1000, $"{stored.Id} has variant {stored.Id.Variant}, not RFC 9562's");
            var milliseconds = long.Parse(hex[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

            // Cut, never rounded: rows at .999999 s stay in their second.
            Assert.Equal(stored.OccurredAt.ToUnixTimeMilliseconds(), milliseconds);
        }
    }

    [Fact]
    public async Task Upgrade_drops_the_history_table_and_sets_each_version_to_the_last_sequence()
    {
        await using var connection = await OpenAsync(await UpgradedAsync());

        Assert.Equal(DBNull.Value, await ScalarAsync(connection, "SELECT to_regclass('approval_history')::text"));
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM pg_proc WHERE proname = 'reject_history_change'"));

        var versions = await VersionsAsync(connection);
        var lastSequences = Expected.GroupBy(e => e.ApprovalId).ToDictionary(g => g.Key, g => g.Max(e => e.Sequence));
        Assert.Equal(lastSequences.OrderBy(v => v.Key), versions.OrderBy(v => v.Key));

        // Chairs' version was ahead of its three rows; the others already matched.
        Assert.Equal(5, OldVersions[Chairs]);
        Assert.Equal(3, versions[Chairs]);
    }

    [Fact]
    public async Task Migrated_events_are_append_only_and_a_new_event_comes_after_them()
    {
        await using var connection = await OpenAsync(await UpgradedAsync());
        var before = await ReadEventsAsync(connection);

        foreach (var sql in new[]
        {
            "UPDATE approval_events SET actor = 'forged' WHERE position = 47",
            "DELETE FROM approval_events WHERE position = 56",
            "TRUNCATE approval_events",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        Assert.Equal(before, await ReadEventsAsync(connection));

        // The service's own statement, as the first edit after the upgrade writes it.
        var (position, transactionId) = await AppendAsync(connection, Screen, 2, ApprovalEventType.CommentEdited,
            """{"statusBefore": "PENDING", "statusAfter": "PENDING", "changes": {"comment": {"old": "", "new": "asap"}}}""");

        Assert.True(position > LastMigratedPosition, $"The new event got position {position}.");
        Assert.True(transactionId > before[0].TransactionId, "The new event's transaction comes after the migration's.");
    }

    [Fact]
    public async Task Down_restores_the_history_rows_and_up_again_moves_them_once_more()
    {
        var database = await UpgradedAsync();
        List<EventRow> upgraded;
        EventRow edit;
        await using (var connection = await OpenAsync(database))
        {
            upgraded = await ReadEventsAsync(connection);

            // Written after the upgrade: an edit, which the history can hold, and a delivery outcome, which it cannot.
            var (editPosition, _) = await AppendAsync(connection, Screen, 2, ApprovalEventType.CommentEdited,
                """{"statusBefore": "PENDING", "statusAfter": "PENDING", "changes": {"comment": {"old": "", "new": "asap"}}}""",
                "req-screen-2");
            await AppendAsync(connection, Chairs, 4, ApprovalEventType.DeliverySucceeded,
                """{"statusBefore": "ACKNOWLEDGED_CANCELLED", "statusAfter": "ACKNOWLEDGED_CANCELLED", "changes": {}, "jobId": "0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e04", "serviceRule": 7}""");
            edit = (await ReadEventsAsync(connection)).Single(e => e.Position == editPosition);
        }

        await MigrateAsync(database, MigrationBefore);

        var editRow = new HistoryRow(edit.Position, Screen, edit.OccurredAt, "client:test", "edited", ApprovalStatus.Pending, ApprovalStatus.Pending,
            """{"comment": {"old": "", "new": "asap"}}""", "req-screen-2");
        await using (var connection = await OpenAsync(database))
        {
            var restored = await ReadHistoryAsync(connection);
            Assert.Equal([.. History.Select(r => r.Id), edit.Position], restored.Select(r => r.Id));
            foreach (var (expected, row) in History.Append(editRow).Zip(restored))
            {
                Assert.Equal(expected with { Changes = null }, row with { Changes = null });
                AssertJson(expected.Changes, row.Changes, $"history row {row.Id}");
            }

            Assert.Equal(DBNull.Value, await ScalarAsync(connection, "SELECT to_regclass('approval_events')::text"));
            Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM pg_proc WHERE proname = 'reject_event_change'"));
            foreach (var sql in new[] { "UPDATE approval_history SET actor = 'forged' WHERE id = 47", "TRUNCATE approval_history" })
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, sql));
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            }

            // The old code inserts without an id: the identity must hand out one after the restored rows.
            Assert.True((long)(await ScalarAsync(connection, "SELECT nextval(pg_get_serial_sequence('approval_history', 'id'))"))! > edit.Position);
        }

        await MigrateAsync(database);

        await using (var connection = await OpenAsync(database))
        {
            var again = await ReadEventsAsync(connection);

            // The moved rows come back identical, ids included (they derive from the row); the edit is a history row
            // now and moves like one; the delivery outcome had no history row to come back from.
            Assert.Equal(upgraded.Select(e => e with { TransactionId = 0 }), again.SkipLast(1).Select(e => e with { TransactionId = 0 }));
            var moved = again[^1];
            Assert.Equal((edit.Position, Screen, 2, "approval.comment_edited"), (moved.Position, moved.ApprovalId, moved.Sequence, moved.Type));
            Assert.Equal((edit.OccurredAt, edit.Actor, edit.CorrelationId), (moved.OccurredAt, moved.Actor, moved.CorrelationId));
            AssertJson("""{"statusBefore": "PENDING", "statusAfter": "PENDING", "changes": {"comment": {"old": "", "new": "asap"}}}""", moved.Data, "the edit");
            Assert.Equal(3, (await VersionsAsync(connection))[Chairs]);
        }
    }

    /// <summary>A copy of the old database, migrated to the latest migration.</summary>
    private static async Task<string> UpgradedAsync()
    {
        var database = await PreEventsDatabase.CreateAsync(await PostgresServer.GetAsync());
        await MigrateAsync(database);
        return database;
    }

    private static JsonObject ExpectedData(ExpectedEvent expected, HistoryRow row)
    {
        // The redelivered row's only change was the retried job, which the event names as data.jobId instead.
        var changes = expected.JobId is null && row.Changes is not null ? JsonNode.Parse(row.Changes)! : new JsonObject();
        var data = new JsonObject
        {
            ["statusBefore"] = expected.StatusBefore,
            ["statusAfter"] = expected.StatusAfter,
            ["changes"] = changes,
        };
        if (expected.Decision is not null)
        {
            data["decision"] = expected.Decision;
        }

        if (expected.JobId is not null)
        {
            data["jobId"] = expected.JobId;
        }

        return data;
    }

    private static void AssertJson(JsonNode? expected, string? actual, string what)
    {
        var stored = actual is null ? null : JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(expected, stored), $"{what}: expected {expected?.ToJsonString()}, stored {stored?.ToJsonString()}");
    }

    private static void AssertJson(string? expected, string? actual, string what) =>
        AssertJson(expected is null ? null : JsonNode.Parse(expected), actual, what);

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<List<EventRow>> ReadEventsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("""
            SELECT position, id, approval_id, sequence, type, occurred_at, actor, correlation_id, data::text, transaction_id::text
            FROM approval_events ORDER BY position
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<EventRow>();
        while (await reader.ReadAsync())
        {
            events.Add(new EventRow(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetGuid(2),
                reader.GetInt32(3),
                reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetString(8),
                ulong.Parse(reader.GetString(9), CultureInfo.InvariantCulture)));
        }

        return events;
    }

    private static async Task<Dictionary<Guid, int>> VersionsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT id, version FROM approvals", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new Dictionary<Guid, int>();
        while (await reader.ReadAsync())
        {
            versions[reader.GetGuid(0)] = reader.GetInt32(1);
        }

        return versions;
    }

    /// <summary>Appends an event with the service's own statement and moves the approval's version with it, as a change does.</summary>
    private static async Task<(long Position, ulong TransactionId)> AppendAsync(
        NpgsqlConnection connection, Guid approval, int sequence, ApprovalEventType type, string data, string? correlationId = null)
    {
        var now = DateTimeOffset.UtcNow;
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(ApprovalEventStore.AppendCommand([new NewApprovalEvent(
                Guid.CreateVersion7(now), approval, sequence, type, now, "client:test", correlationId, data)]));
            var version = new NpgsqlBatchCommand("UPDATE approvals SET version = $2 WHERE id = $1");
            version.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = approval });
            version.Parameters.Add(new NpgsqlParameter<int> { TypedValue = sequence });
            batch.BatchCommands.Add(version);
            await batch.ExecuteNonQueryAsync();
        }

        await using var appended = new NpgsqlCommand(
            "SELECT position, transaction_id::text FROM approval_events WHERE approval_id = $1 AND sequence = $2", connection, transaction);
        appended.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = approval });
        appended.Parameters.Add(new NpgsqlParameter<int> { TypedValue = sequence });
        await using var reader = await appended.ExecuteReaderAsync();
        await reader.ReadAsync();
        var result = (reader.GetInt64(0), ulong.Parse(reader.GetString(1), CultureInfo.InvariantCulture));
        await reader.CloseAsync();
        await transaction.CommitAsync();
        return result;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private sealed record ExpectedEvent(
        long Position, Guid ApprovalId, int Sequence, string Type, string? StatusBefore, string StatusAfter,
        string? Decision = null, string? JobId = null);

    private sealed record EventRow(
        long Position, Guid Id, Guid ApprovalId, int Sequence, string Type, DateTimeOffset OccurredAt, string Actor,
        string? CorrelationId, string Data, ulong TransactionId);
}
