using Npgsql;

namespace Approvals.Api.Tests.Infrastructure;

/// <summary>
/// Every row of the tables a request could change, as text, so a test can prove a request changed nothing at all
/// (versions, updated_at set by the trigger, history, outbox, idempotency records, people, groups and delegations
/// included).
/// </summary>
public sealed record DatabaseSnapshot(IReadOnlyDictionary<string, string> Tables)
{
    public static readonly string[] TableNames =
        ["approvals", "approval_service_rules", "approval_events", "approval_timers", "delivery_jobs", "service_rules", "idempotency_keys",
            "users", "groups", "group_members", "delegations"];

    /// <summary>Reads every table in one round trip, so it is cheap enough to take after each request.</summary>
    public static async Task<DatabaseSnapshot> TakeAsync(string connectionString)
    {
        // The names are the constants above, never input.
        var sql = "SELECT " + string.Join(", ", TableNames.Select(table =>
            $"(SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM {table} t)"));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
#pragma warning disable CA2100
        await using var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DatabaseSnapshot(TableNames.Select((table, i) => (table, reader.GetString(i))).ToDictionary(t => t.table, t => t.Item2, StringComparer.Ordinal));
    }

    /// <summary>Describes the first table that differs, with both versions of it; null when nothing changed.</summary>
    public string? Difference(DatabaseSnapshot after) =>
        TableNames.Where(table => Tables[table] != after.Tables[table])
            .Select(table => $"table {table} changed.\nBefore:\n{Tables[table]}\nAfter:\n{after.Tables[table]}")
            .FirstOrDefault();

    public void AssertUnchanged(DatabaseSnapshot after, string because)
    {
        if (Difference(after) is { } difference)
        {
            Assert.Fail($"{because}: {difference}");
        }
    }
}
