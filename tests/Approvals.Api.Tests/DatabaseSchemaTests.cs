using Approvals.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Approvals.Api.Tests;

/// <summary>What the migrations leave in the database beyond what EF Core's model describes.</summary>
public class DatabaseSchemaTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    [Fact]
    public async Task Autoanalyze_skips_the_wide_columns_no_query_filters_on_and_keeps_the_rest()
    {
        var targets = await StatisticsTargetsAsync();

        // Target 0: ANALYZE leaves the column out (migration ColumnsWithoutPlannerStatistics).
        foreach (var column in new[]
        {
            "approvals.description", "approvals.comment", "approvals.last_error",
            "approval_events.data", "approval_events.correlation_id",
            "delivery_jobs.last_error", "delivery_attempts.error", "delivery_attempts.response_excerpt",
            "idempotency_keys.request_hash", "idempotency_keys.response_body",
            "idempotency_keys.location", "idempotency_keys.e_tag",
        })
        {
            Assert.Equal(0, targets[column]);
        }

        // The columns queries filter and sort on keep the default (-1 before PostgreSQL 17, NULL from 17 on).
        foreach (var column in new[]
        {
            "approvals.status", "approvals.deadline", "approvals.created_by", "approval_events.approval_id",
            "approval_events.transaction_id", "approval_events.occurred_at", "approval_events.type",
            "delivery_jobs.state", "delivery_jobs.next_attempt_at", "idempotency_keys.created_at",
        })
        {
            Assert.True(targets[column] is null or -1, $"{column} has statistics target {targets[column]}");
        }
    }

    private async Task<Dictionary<string, int?>> StatisticsTargetsAsync()
    {
        var dataSource = Factory.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname || '.' || a.attname, a.attstattarget::int
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
            """);
        var targets = new Dictionary<string, int?>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            targets[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetInt32(1);
        }

        return targets;
    }
}
