using System.Globalization;
using Npgsql;

namespace Approvals.Bench;

/// <summary>
/// One vote as the service cast it on a pool approval: the approval's row after the vote and the vote's event, which
/// the ceiling writes again, value for value (<see cref="VoteCeiling"/>). <see cref="Number"/> is the pool approval's.
/// </summary>
internal sealed record VoteSample(
    long Number,
    string Title,
    string Description,
    DateTimeOffset Deadline,
    string[] RemindBefore,
    short Status,
    int Version,
    string Stages,
    short OpenStage,
    string[] OpenSeats,
    string Votes,
    int Sequence,
    string EventType,
    DateTimeOffset OccurredAt,
    string Actor,
    string? CorrelationId,
    string Data);

/// <summary>
/// The approvals the votes go to, each voted on once: clones, in SQL, of the template approvals that
/// <see cref="VotePeople"/> created through the API (every column copied, only the id new, with the template's service
/// rules; without its created event and timers, which a vote does not read). Pool approval <c>n</c> of the service's
/// pool has the id <see cref="ServicePrefix"/> followed by <c>n</c> in 12 hex digits and is a clone of template
/// <c>n mod <see cref="VotePeople.VoterCount"/></c>, so voter <c>n mod <see cref="VotePeople.VoterCount"/></c> holds a
/// seat of it (bench/wrk/vote.lua computes both from <c>n</c>). The ceiling's pools are cloned the same way under
/// prefixes of their own.
/// </summary>
internal sealed class VotePool(string connectionString)
{
    /// <summary>The id prefix of the service's pool; bench/wrk/vote.lua uses the same one.</summary>
    public const string ServicePrefix = "018f000a-0000-7000-8000-";

    private const string CloneSql = """
        /* bench */
        INSERT INTO approvals
        SELECT (jsonb_populate_record(t, jsonb_build_object('id', @prefix || lpad(to_hex(p.n), 12, '0')))).*
        FROM unnest(@numbers) AS p(n)
        JOIN approvals AS t ON t.id = (@templates)[p.n % cardinality(@templates) + 1];
        /* bench */
        INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
        SELECT (@prefix || lpad(to_hex(p.n), 12, '0'))::uuid, r.service_rule_id, r.position
        FROM unnest(@numbers) AS p(n)
        JOIN approval_service_rules AS r ON r.approval_id = (@templates)[p.n % cardinality(@templates) + 1];
        """;

    private const string SampleSql = """
        /* bench */
        SELECT a.title, a.description, a.deadline, a.remind_before, a.status, a.version, a.stages::text, a.open_stage, a.open_seats,
               a.votes::text, e.sequence, e.type, e.occurred_at, e.actor, e.correlation_id, e.data::text, a.id,
               a.comment = '' AND a.on_deadline IS NULL AND a.previous_status IS NULL AND a.current_decision_id IS NULL AND a.last_error IS NULL
        FROM approvals AS a
        JOIN approval_events AS e ON e.approval_id = a.id
        WHERE a.id BETWEEN @first AND @last AND a.votes IS NOT NULL
        ORDER BY a.id
        LIMIT 1
        """;

    private const string CountVotedSql = """
        /* bench */
        SELECT (SELECT count(*) FROM approvals WHERE id BETWEEN @first AND @last AND version = @version AND votes IS NOT NULL),
               (SELECT count(*) FROM approval_events WHERE approval_id BETWEEN @first AND @last)
        """;

    private const string RemoveUnvotedSql = """
        /* bench */
        DELETE FROM approval_service_rules WHERE approval_id IN (SELECT id FROM approvals WHERE id BETWEEN @first AND @last AND votes IS NULL);
        /* bench */
        DELETE FROM approvals WHERE id BETWEEN @first AND @last AND votes IS NULL;
        """;

    /// <summary>How many approvals there are under <paramref name="prefix"/> (numbered from 1 without gaps, as this class adds them).</summary>
    public async Task<long> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("/* bench */ SELECT count(*) FROM approvals WHERE id BETWEEN @first AND @last");
        AddRange(command, prefix);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Adds approval <c>n</c> under <paramref name="prefix"/> for each of <paramref name="numbers"/>, a clone of template <c>n mod count</c>.</summary>
    public async Task CloneAsync(string prefix, long[] numbers, Guid[] templates, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(CloneSql);
        command.Parameters.AddWithValue("prefix", prefix);
        command.Parameters.AddWithValue("numbers", numbers);
        command.Parameters.AddWithValue("templates", templates);
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The first vote the service cast on its pool; null before any.</summary>
    public async Task<VoteSample?> SampleAsync(CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(SampleSql);
        AddRange(command, ServicePrefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        if (!reader.GetBoolean(17))
        {
            // bench/pgbench/vote.sql binds these to '' and NULL (pgbench refuses an empty variable and cannot pass a NULL).
            throw new InvalidOperationException(
                "A voted pool approval has a comment, an onDeadline, a previous status, a decision or an error: bench/pgbench/vote.sql binds them to '' and NULL.");
        }

        var id = reader.GetGuid(16).ToString();
        return new VoteSample(
            long.Parse(id[ServicePrefix.Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<string[]>(3),
            reader.GetInt16(4), reader.GetInt32(5), reader.GetString(6), reader.GetInt16(7), reader.GetFieldValue<string[]>(8), reader.GetString(9),
            reader.GetInt32(10), reader.GetString(11), reader.GetFieldValue<DateTimeOffset>(12), reader.GetString(13),
            reader.IsDBNull(14) ? null : reader.GetString(14), reader.GetString(15));
    }

    /// <summary>The approvals under <paramref name="prefix"/> that were voted on (at <paramref name="version"/>), and their events.</summary>
    public async Task<(long Voted, long Events)> CountVotedAsync(string prefix, int version, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(CountVotedSql);
        AddRange(command, prefix);
        command.Parameters.AddWithValue("version", version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Deletes the approvals under <paramref name="prefix"/> that nobody voted on.</summary>
    public async Task RemoveUnvotedAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(RemoveUnvotedSql);
        AddRange(command, prefix);
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddRange(NpgsqlCommand command, string prefix)
    {
        command.Parameters.AddWithValue("first", Guid.Parse(prefix + "000000000000"));
        command.Parameters.AddWithValue("last", Guid.Parse(prefix + "ffffffffffff"));
    }
}
