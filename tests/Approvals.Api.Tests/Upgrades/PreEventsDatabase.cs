using System.Collections.Concurrent;
using System.Globalization;
using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Api.Persistence.Data.Migrations;
using Approvals.Domain;
using Approvals.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using NpgsqlTypes;

namespace Approvals.Api.Tests.Upgrades;

/// <summary>One approval_history row, as the service wrote them before approval events.</summary>
public sealed record HistoryRow(
    long Id,
    Guid ApprovalId,
    DateTimeOffset At,
    string Actor,
    string Action,
    ApprovalStatus? FromStatus,
    ApprovalStatus? ToStatus,
    string? Changes,
    string? CorrelationId);

/// <summary>
/// A database at the schema just before approval events (migration <see cref="NotifyOnlyForQueuedJobs"/>) holding
/// what the service wrote there: two service rules, four approvals at different stages with their service rules and
/// delivery jobs, and their history with a row of every action, written by hand at that schema. One template per
/// server; each test migrates a copy.
/// </summary>
public static class PreEventsDatabase
{
    public const string MigrationBefore = nameof(NotifyOnlyForQueuedJobs);

    public const int Billing = 7;
    public const int Inventory = 9;

    /// <summary>Decided, failed at one service, redelivered by an admin, then approved.</summary>
    public static readonly Guid Laptop = Guid.Parse("019aa0f2-5c38-7a11-8e2a-3f0c6d1b0001");

    /// <summary>Comment edited, then rejected with a comment.</summary>
    public static readonly Guid Travel = Guid.Parse("019aa0f7-6b10-7c22-9f3b-4a1d7e2c0002");

    /// <summary>Edited, cancelled, its deliveries still pending; its version is ahead of its history (5, 3 rows).</summary>
    public static readonly Guid Chairs = Guid.Parse("019aa161-9a00-7d33-a04c-5b2e8f3d0003");

    /// <summary>Only created: still PENDING.</summary>
    public static readonly Guid Screen = Guid.Parse("019aa1e8-3b80-7e44-b15d-6c3f904e0004");

    public static readonly Guid LaptopDecision = Guid.Parse("6f1c2a3b-0d4e-4f50-8a61-72b3c4d5e601");
    public static readonly Guid TravelDecision = Guid.Parse("6f1c2a3b-0d4e-4f50-8a61-72b3c4d5e602");
    public static readonly Guid ChairsDecision = Guid.Parse("6f1c2a3b-0d4e-4f50-8a61-72b3c4d5e603");

    /// <summary>The job that failed for good, which the admin sent again (the redelivered row's retriedJob).</summary>
    public static readonly Guid LaptopInventoryJob = Guid.Parse("0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e02");

    /// <summary>Above every id below, as if later rows had been rolled back.</summary>
    public const long HistoryIdentityAt = 60;

    private const string CreatedDeadline = "2026-12-31T17:00:00+00:00";
    private const string MovedDeadline = "2027-01-15T17:00:00+00:00";
    private const string ScreenDeadline = "2030-06-30T12:00:00+00:00";

    private static readonly ConcurrentDictionary<PostgresServer, Lazy<Task<string>>> Templates = new();

    /// <summary>
    /// The history, ids interleaved between the approvals with gaps (ids taken by rolled-back transactions), times
    /// with microseconds (PostgreSQL's precision) that a UUIDv7 must cut to milliseconds, not round.
    /// </summary>
    public static IReadOnlyList<HistoryRow> History { get; } =
    [
        new(41, Laptop, At("08:00:00.123456"), "user:alice", "created", null, ApprovalStatus.Pending,
            Created("Laptop purchase", "A laptop for the new designer.", "", CreatedDeadline, Billing, Inventory), "req-laptop-1"),
        new(42, Travel, At("08:05:10.999500"), "client:test", "created", null, ApprovalStatus.Pending,
            Created("Conference travel", "Two nights in Lisbon.", "first", CreatedDeadline, Billing), null),
        new(44, Laptop, At("09:12:30.000999"), "user:alice", "edited", ApprovalStatus.Pending, ApprovalStatus.Pending,
            $$$"""
            {"title": {"old": "Laptop purchase", "new": "Laptop for Dana"},
             "deadline": {"old": "{{{CreatedDeadline}}}", "new": "{{{MovedDeadline}}}"},
             "comment": {"old": "", "new": "16 GB at least"}}
            """, "req-laptop-2"),
        new(45, Chairs, At("09:40:00.500000"), "user:bob", "created", null, ApprovalStatus.Pending,
            Created("Office chairs", "Six chairs for room 4.", "", CreatedDeadline, Billing), "req-chairs-1"),
        new(46, Travel, At("10:01:02.345678"), "client:test", "edited", ApprovalStatus.Pending, ApprovalStatus.Pending,
            """{"comment": {"old": "first", "new": "second"}}""", null),
        new(47, Laptop, At("11:00:00.000001"), "user:carol", "decided", ApprovalStatus.Pending, ApprovalStatus.AcknowledgedApproved,
            null, "req-laptop-3"),
        new(48, Chairs, At("11:30:45.678901"), "user:bob", "edited", ApprovalStatus.Pending, ApprovalStatus.Pending,
            $$$"""
            {"description": {"old": "Six chairs for room 4.", "new": "Eight chairs for rooms 4 and 5."},
             "serviceRules": {"old": [{{{Billing}}}], "new": [{{{Billing}}}, {{{Inventory}}}]},
             "comment": {"old": "", "new": "two more"}}
            """, null),
        new(49, Travel, At("12:00:00.250000"), "user:carol", "decided", ApprovalStatus.Pending, ApprovalStatus.AcknowledgedRejected,
            """{"comment": {"old": "second", "new": "Over budget"}}""", "req-travel-3"),
        new(52, Laptop, At("12:00:03.141592"), "system:dispatcher", "status_changed", ApprovalStatus.AcknowledgedApproved, ApprovalStatus.Error,
            $$$$"""
            {"lastError": {"old": null, "new": {"code": "delivery.rejected", "message": "HTTP 404 from inventory",
                                                "serviceRule": {{{{Inventory}}}}, "at": "2026-11-20T12:00:03.141592+00:00"}}}
            """, null),
        new(53, Travel, At("12:00:04.500000"), "system:dispatcher", "status_changed", ApprovalStatus.AcknowledgedRejected, ApprovalStatus.Rejected,
            null, null),
        new(54, Chairs, At("13:15:00.750000"), "user:bob", "decided", ApprovalStatus.Pending, ApprovalStatus.AcknowledgedCancelled,
            null, "req-chairs-3"),
        new(55, Laptop, At("14:00:00.999999"), "user:admin", "redelivered", ApprovalStatus.Error, ApprovalStatus.AcknowledgedApproved,
            $$$"""{"retriedJob": {"old": null, "new": "{{{LaptopInventoryJob}}}"}}""", "req-laptop-5"),
        new(56, Laptop, At("14:00:01.250000"), "system:dispatcher", "status_changed", ApprovalStatus.AcknowledgedApproved, ApprovalStatus.Approved,
            null, null),
        new(57, Screen, At("15:00:00.000000"), "client:test", "created", null, ApprovalStatus.Pending,
            Created("Second monitor", "27 inch, for the support desk.", "", ScreenDeadline, Inventory), "req-screen-1"),
    ];

    /// <summary>Each approval's version as the old schema held it: one per history row, except Chairs'.</summary>
    public static IReadOnlyDictionary<Guid, int> OldVersions { get; } = new Dictionary<Guid, int>
    {
        [Laptop] = 6,
        [Travel] = 4,
        [Chairs] = 5,
        [Screen] = 1,
    };

    /// <summary>A new database holding the data at the old schema; the caller migrates it.</summary>
    public static async Task<string> CreateAsync(PostgresServer server)
    {
        var template = await Templates.GetOrAdd(server, s => new Lazy<Task<string>>(() => CreateTemplateAsync(s))).Value;
        return await server.CreateDatabaseAsync("approvals_upgrade", template);
    }

    /// <summary>Migrates with EF Core's migrator: to <paramref name="target"/>, or to the latest migration.</summary>
    public static async Task MigrateAsync(string connectionString, string? target = null)
    {
        var options = new DbContextOptionsBuilder<ApprovalsDbContext>();
        DatabaseSetup.Configure(options, connectionString);
        await using var db = new ApprovalsDbContext(options.Options);
        await db.GetService<IMigrator>().MigrateAsync(target);
    }

    /// <summary>The history rows the database holds, in id order.</summary>
    public static async Task<List<HistoryRow>> ReadHistoryAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("""
            SELECT id, approval_id, at, actor, action, from_status, to_status, changes::text, correlation_id
            FROM approval_history ORDER BY id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<HistoryRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new HistoryRow(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : (ApprovalStatus)reader.GetInt16(5),
                reader.IsDBNull(6) ? null : (ApprovalStatus)reader.GetInt16(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return rows;
    }

    private static async Task<string> CreateTemplateAsync(PostgresServer server)
    {
        var connectionString = await server.CreateDatabaseAsync("approvals_pre_events");

        // No pooled connection may stay open on a template: CREATE DATABASE refuses to copy it while one is.
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await MigrateAsync(settings.ConnectionString, MigrationBefore);
        await using (var connection = new NpgsqlConnection(settings.ConnectionString))
        {
            await connection.OpenAsync();
            await InsertAsync(connection);
        }

        return settings.Database!;
    }

    /// <summary>Plain SQL at the old schema, as the service before approval events wrote it.</summary>
    private static async Task InsertAsync(NpgsqlConnection connection)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, $$$"""
            INSERT INTO service_rules (id, name, url, api_key, enabled, signing_secret, timeout_seconds, retry_schedule,
                                       allow_self_approval, created_at, updated_at)
            VALUES ({{{Billing}}}, 'billing', 'http://127.0.0.1:9/billing', 'billing-key', true,
                    'whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA==', 10, '{1,5,30}', false,
                    '2026-11-01T09:00:00Z', '2026-11-01T09:00:00Z'),
                   ({{{Inventory}}}, 'inventory', 'http://127.0.0.1:9/inventory', 'inventory-key', true,
                    'whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA==', 10, '{1,5,30}', true,
                    '2026-11-02T09:00:00Z', '2026-11-02T09:00:00Z');
            SELECT setval(pg_get_serial_sequence('service_rules', 'id'), {{{Inventory}}});
            """);

        await InsertApprovalAsync(connection, Laptop, "Laptop for Dana", "A laptop for the new designer.", "16 GB at least",
            ApprovalStatus.Approved, ApprovalStatus.AcknowledgedApproved, MovedDeadline, "user:alice", 41, 56, LaptopDecision, [Billing, Inventory]);
        await InsertApprovalAsync(connection, Travel, "Conference travel", "Two nights in Lisbon.", "Over budget",
            ApprovalStatus.Rejected, ApprovalStatus.AcknowledgedRejected, CreatedDeadline, "client:test", 42, 53, TravelDecision, [Billing]);
        await InsertApprovalAsync(connection, Chairs, "Office chairs", "Eight chairs for rooms 4 and 5.", "two more",
            ApprovalStatus.AcknowledgedCancelled, ApprovalStatus.Pending, CreatedDeadline, "user:bob", 45, 54, ChairsDecision, [Billing, Inventory]);
        await InsertApprovalAsync(connection, Screen, "Second monitor", "27 inch, for the support desk.", "",
            ApprovalStatus.Pending, null, ScreenDeadline, "client:test", 57, 57, null, [Inventory]);

        await InsertJobAsync(connection, Guid.Parse("0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e01"), Laptop, LaptopDecision, Billing,
            ApprovalStatus.Approved, DeliveryState.Succeeded, 1, RowAt(47));
        await InsertJobAsync(connection, LaptopInventoryJob, Laptop, LaptopDecision, Inventory,
            ApprovalStatus.Approved, DeliveryState.Succeeded, 2, RowAt(47));
        await InsertJobAsync(connection, Guid.Parse("0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e03"), Travel, TravelDecision, Billing,
            ApprovalStatus.Rejected, DeliveryState.Succeeded, 1, RowAt(49));
        await InsertJobAsync(connection, Guid.Parse("0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e04"), Chairs, ChairsDecision, Billing,
            ApprovalStatus.Cancelled, DeliveryState.Pending, 0, RowAt(54));
        await InsertJobAsync(connection, Guid.Parse("0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e05"), Chairs, ChairsDecision, Inventory,
            ApprovalStatus.Cancelled, DeliveryState.Pending, 0, RowAt(54));

        // The ids are the ones the identity handed out; OVERRIDING keeps them, with their gaps.
        foreach (var row in History)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO approval_history (id, approval_id, at, actor, action, from_status, to_status, changes, correlation_id)
                OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Id });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = row.ApprovalId });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = row.At });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Actor });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Action });
            command.Parameters.Add(new NpgsqlParameter<short?> { TypedValue = (short?)row.FromStatus, NpgsqlDbType = NpgsqlDbType.Smallint });
            command.Parameters.Add(new NpgsqlParameter<short?> { TypedValue = (short?)row.ToStatus, NpgsqlDbType = NpgsqlDbType.Smallint });
            command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = row.Changes, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = row.CorrelationId, NpgsqlDbType = NpgsqlDbType.Text });
            await command.ExecuteNonQueryAsync();
        }

        await ExecuteAsync(connection, $"SELECT setval(pg_get_serial_sequence('approval_history', 'id'), {HistoryIdentityAt});");
        await transaction.CommitAsync();
    }

    private static async Task InsertApprovalAsync(
        NpgsqlConnection connection, Guid id, string title, string description, string comment, ApprovalStatus status,
        ApprovalStatus? previousStatus, string deadline, string createdBy, long createdRow, long lastRow, Guid? decision, int[] rules)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO approvals (id, title, description, comment, status, previous_status, deadline, created_by,
                                   created_at, updated_at, version, current_decision_id, last_error)
            VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8, $9, $10, $11, $12, NULL);
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = title });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = description });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = comment });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)status });
        command.Parameters.Add(new NpgsqlParameter<short?> { TypedValue = (short?)previousStatus, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadline, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = createdBy });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = RowAt(createdRow) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = RowAt(lastRow) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = OldVersions[id] });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = decision, NpgsqlDbType = NpgsqlDbType.Uuid });
        await command.ExecuteNonQueryAsync();

        for (var position = 0; position < rules.Length; position++)
        {
            await using var rule = new NpgsqlCommand(
                "INSERT INTO approval_service_rules (approval_id, service_rule_id, position) VALUES ($1, $2, $3)", connection);
            rule.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            rule.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rules[position] });
            rule.Parameters.Add(new NpgsqlParameter<int> { TypedValue = position });
            await rule.ExecuteNonQueryAsync();
        }
    }

    private static async Task InsertJobAsync(
        NpgsqlConnection connection, Guid id, Guid approval, Guid decision, int rule, ApprovalStatus requested, DeliveryState state,
        int attempts, DateTimeOffset createdAt)
    {
        var done = state == DeliveryState.Succeeded;
        await using var command = new NpgsqlCommand("""
            INSERT INTO delivery_jobs (id, approval_id, decision_id, service_rule_id, requested_status, state, attempts,
                                       schedule_step, next_attempt_at, reported_status, created_at, completed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $8, $10)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = approval });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = decision });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rule });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)requested });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)state });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempts });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
        command.Parameters.Add(new NpgsqlParameter<short?> { TypedValue = done ? (short)requested : null, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = done ? createdAt.AddSeconds(3) : null, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The created row's changes: every field from nothing to its first value.</summary>
    private static string Created(string title, string description, string comment, string deadline, params int[] rules) => $$$"""
        {"title": {"old": null, "new": "{{{title}}}"}, "description": {"old": null, "new": "{{{description}}}"},
         "comment": {"old": null, "new": "{{{comment}}}"}, "deadline": {"old": null, "new": "{{{deadline}}}"},
         "serviceRules": {"old": null, "new": [{{{string.Join(", ", rules)}}}]}}
        """;

    private static DateTimeOffset At(string timeOfDay) =>
        DateTimeOffset.ParseExact("2026-11-20T" + timeOfDay + "Z", "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static DateTimeOffset RowAt(long id) => History.Single(r => r.Id == id).At;
}
