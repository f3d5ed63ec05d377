using Approvals.Api.Persistence.Sql;
using Npgsql;
using NpgsqlTypes;
using static Approvals.Api.Persistence.Sql.SqlValues;

namespace Approvals.Api.Persistence;

/// <summary>One service rule's figures over a window, or over one hour of it; the figures are null when it had no attempts.</summary>
public sealed record DeliveryFigures(long Attempts, long Failed, double? P95LatencyMs);

/// <summary>A service rule with its figures over the window and the hours of it that had attempts (0 the oldest).</summary>
public sealed record ServiceRuleFigures(
    int ServiceRuleId, string Name, string Url, bool Enabled, DeliveryFigures Window, IReadOnlyDictionary<int, DeliveryFigures> Hours);

/// <summary>A failed job of an approval's current decision: the one a redelivery sends again.</summary>
public sealed record FailedJobRow(Guid JobId, int ServiceRuleId, string ServiceRuleName, int Attempts, string? LastError, DateTimeOffset? FailedAt);

/// <summary>An approval in ERROR with the failed jobs of its current decision (none when its services disagreed instead).</summary>
public sealed record FailedApprovalRow(
    Guid ApprovalId, string Title, DateTimeOffset UpdatedAt, string? ErrorCode, string? ErrorMessage, IReadOnlyList<FailedJobRow> Jobs);

/// <summary>The outbox's open jobs (pending or being sent), and when the oldest of them was queued (null when none is).</summary>
public sealed record OutboxBacklog(long OpenJobs, DateTimeOffset? OldestCreatedAt);

/// <summary>
/// The delivery job store's reports for the admins and the metrics, read through the data source outside any unit of
/// work (each is one statement): the delivery health of the service rules from the attempt log (Sql/DeliveryHealth.sql),
/// the approvals in ERROR with their failed jobs (Sql/DeliveryJobsFailed.sql), and the outbox's backlog
/// (Sql/DeliveryJobsBacklog.sql).
/// </summary>
public sealed partial class DeliveryJobStore
{
    private static readonly SqlStatement HealthSql = SqlStatement.Get("DeliveryHealth");
    private static readonly SqlStatement FailedSql = SqlStatement.Get("DeliveryJobsFailed");
    private static readonly SqlStatement BacklogSql = SqlStatement.Get("DeliveryJobsBacklog");

    /// <summary>The outbox's backlog, for the metrics' gauges (Telemetry/ApprovalsMetrics.cs reads it at most once per interval).</summary>
    public async Task<OutboxBacklog> BacklogAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(BacklogSql.Text);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new OutboxBacklog(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <summary>
    /// The figures of the service rule <paramref name="serviceRuleId"/> (every rule when null, by id) over the
    /// <paramref name="hours"/> hours up to <paramref name="until"/>; empty when no such rule exists.
    /// </summary>
    public async Task<List<ServiceRuleFigures>> HealthAsync(int? serviceRuleId, DateTimeOffset until, int hours, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(HealthSql.Text);
        HealthSql.Bind(command,
            ("hours", Value(hours)),
            ("since", Value(until - TimeSpan.FromHours(hours))),
            ("until", Value(until)),
            ("service_rule_id", new NpgsqlParameter<int?> { TypedValue = serviceRuleId, NpgsqlDbType = NpgsqlDbType.Integer }));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rules = new List<ServiceRuleFigures>();
        Dictionary<int, DeliveryFigures>? hourly = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var figures = reader.IsDBNull(5)
                ? new DeliveryFigures(0, 0, null)
                : new DeliveryFigures(reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7));
            if (reader.IsDBNull(4))
            {
                // The rule's first row: the window's figures (or none).
                hourly = [];
                rules.Add(new ServiceRuleFigures(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), figures, hourly));
            }
            else
            {
                hourly![reader.GetInt32(4)] = figures;
            }
        }

        return rules;
    }

    /// <summary>Up to <paramref name="limit"/> approvals in ERROR after (<paramref name="afterUpdatedAt"/>, <paramref name="afterId"/>), most recently changed first.</summary>
    public async Task<List<FailedApprovalRow>> FailedAsync(DateTimeOffset? afterUpdatedAt, Guid? afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(FailedSql.Text);
        FailedSql.Bind(command,
            ("after_id", new NpgsqlParameter<Guid?> { TypedValue = afterId, NpgsqlDbType = NpgsqlDbType.Uuid }),
            ("after_updated_at", new NpgsqlParameter<DateTimeOffset?> { TypedValue = afterUpdatedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz }),
            ("limit", Value(limit)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var approvals = new List<FailedApprovalRow>();
        List<FailedJobRow>? jobs = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var approvalId = reader.GetGuid(0);
            if (approvals.Count == 0 || approvals[^1].ApprovalId != approvalId)
            {
                jobs = [];
                approvals.Add(new FailedApprovalRow(
                    approvalId, reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), NullableText(reader, 3), NullableText(reader, 4), jobs));
            }

            if (!reader.IsDBNull(5))
            {
                jobs!.Add(new FailedJobRow(
                    reader.GetGuid(5),
                    reader.GetInt32(6),
                    reader.GetString(7),
                    reader.GetInt32(8),
                    NullableText(reader, 9),
                    reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
            }
        }

        return approvals;
    }

    private static string? NullableText(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
