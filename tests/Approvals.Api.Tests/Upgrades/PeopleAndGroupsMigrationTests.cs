using Approvals.Testing;
using Npgsql;

namespace Approvals.Api.Tests.Upgrades;

/// <summary>Migration PeopleAndGroups on a database that already has local accounts.</summary>
public class PeopleAndGroupsMigrationTests
{
    private const string MigrationBefore = nameof(Api.Persistence.Data.Migrations.EventRelay);

    [Fact]
    public async Task Existing_accounts_get_their_id_as_subject_so_their_tokens_name_them_as_before()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("approvals_people_upgrade");
        await PreEventsDatabase.MigrateAsync(connectionString, MigrationBefore);
        var (alice, bob) = (Guid.Parse("019aa0f2-5c38-7a11-8e2a-3f0c6d1b0a11"), Guid.Parse("019aa0f2-5c38-7a11-8e2a-3f0c6d1b0b0b"));
        await using (var connection = await OpenAsync(connectionString))
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO users (id, username, password_hash, roles, created_at)
                VALUES (@alice, 'alice', 'AQAAAAIAAYagAAAAEhash-a', '{requester}', now()), (@bob, 'bob', 'AQAAAAIAAYagAAAAEhash-b', '{approver}', now())
                """, connection);
            insert.Parameters.AddWithValue("alice", alice);
            insert.Parameters.AddWithValue("bob", bob);
            await insert.ExecuteNonQueryAsync();
        }

        await PreEventsDatabase.MigrateAsync(connectionString);

        await using var upgraded = await OpenAsync(connectionString);
        await using (var read = new NpgsqlCommand(
            "SELECT username, subject, password_hash, disabled, password_change_required, provider_groups FROM users ORDER BY username", upgraded))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)} {reader.GetBoolean(3)} {reader.GetBoolean(4)} [{string.Join(',', reader.GetFieldValue<string[]>(5))}]");
            }

            Assert.Equal([$"alice {alice} AQAAAAIAAYagAAAAEhash-a False False []", $"bob {bob} AQAAAAIAAYagAAAAEhash-b False False []"], rows);
        }

        // The subject had a default only to add the column: a row without one is refused.
        await using var withoutSubject = new NpgsqlCommand(
            "INSERT INTO users (id, username, roles, created_at) VALUES (gen_random_uuid(), 'carol', '{}', now())", upgraded);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => withoutSubject.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.NotNullViolation, refused.SqlState);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
