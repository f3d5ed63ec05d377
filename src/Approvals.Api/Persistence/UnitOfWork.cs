using Approvals.Api.Persistence.Sql;
using Npgsql;

namespace Approvals.Api.Persistence;

/// <summary>
/// One per request or job (a scoped service): owns the connection, the transaction and the after-commit actions.
/// Stores run their statements through it; only its owner — <see cref="UnitOfWorkFilter"/> for a request, the job's
/// runner for a job — commits it, and nothing else begins or commits a transaction. The transaction begins when a
/// participant first needs one (<see cref="CreateBatchAsync"/>). A unit that never needs one
/// may run a single statement on its own instead (<see cref="CreateCommand"/> without a transaction): one statement
/// is atomic by itself, and going through the main data source shares its multiplexed connections, which is
/// measurably cheaper on the hottest write (creating; docs/benchmarks.md). Disposing an uncommitted unit rolls it back.
/// <para>
/// A transaction takes a connection of the transactions' data source, which does not multiplex, and the unit writes
/// its BEGIN and COMMIT itself: the BEGIN goes out as the first statement of the transaction's first batch, in the
/// extended protocol like the rest, and a use case's last write may carry the COMMIT (<see cref="LetLastWriteCommit"/>).
/// A vote is then two round trips, each answered by PostgreSQL in one send; Npgsql's own BeginTransaction sends its
/// BEGIN as a simple query, which PostgreSQL parses each time and answers with a send of its own (docs/benchmarks.md,
/// issue 18).
/// </para>
/// </summary>
public sealed class UnitOfWork(
    NpgsqlDataSource dataSource,
    [FromKeyedServices(DatabaseSetup.TransactionDataSource)] NpgsqlDataSource transactions,
    IEnumerable<IEventsCommittedObserver> eventObservers) : IAsyncDisposable
{
    private static readonly SqlStatement BeginSql = SqlStatement.Get("TransactionBegin");
    private static readonly SqlStatement CommitSql = SqlStatement.Get("TransactionCommit");

    private readonly List<Action> _afterCommit = [];

    /// <summary>The transaction's connection, from its first batch (which carries the BEGIN) until it ends.</summary>
    private NpgsqlConnection? _connection;
    private bool _ranOnItsOwn;
    private bool _committed;
    private bool _eventsAppended;
    private bool _lastWriteMayCommit;
    private bool _committedWithLastWrite;

    public bool InTransaction => _connection is not null;

    /// <summary>The BEGIN went out and no COMMIT after it.</summary>
    private bool Open => _connection is not null && !_committedWithLastWrite;

    /// <summary>
    /// A batch in the unit's transaction (begun if need be): several statements, one round trip. The caller executes
    /// it: the transaction's first batch carries its BEGIN.
    /// </summary>
    public async ValueTask<NpgsqlBatch> CreateBatchAsync(CancellationToken cancellationToken, params NpgsqlBatchCommand[] commands)
    {
        if (_committedWithLastWrite)
        {
            throw new InvalidOperationException("This unit of work committed with its last write.");
        }

        NpgsqlBatch batch;
        if (_connection is not null)
        {
            batch = new NpgsqlBatch(_connection);
        }
        else if (_ranOnItsOwn || _committed)
        {
            throw new InvalidOperationException("This unit of work has already written outside a transaction or committed.");
        }
        else
        {
            _connection = await transactions.OpenConnectionAsync(cancellationToken);

            // Npgsql's reader skips statements that return no rows, so the batch's results are its callers' own.
            batch = new NpgsqlBatch(_connection);
            batch.BatchCommands.Add(BeginSql.BatchCommand());
        }

        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    /// <summary>
    /// A command in the unit's transaction when one is open; otherwise a single statement on its own,
    /// through the main data source, after which the unit takes no other statement (it could not be atomic with this
    /// one).
    /// </summary>
    public NpgsqlCommand CreateCommand(string sql)
    {
        if (_committedWithLastWrite)
        {
            throw new InvalidOperationException("This unit of work committed with its last write.");
        }

        if (_connection is not null)
        {
            return new NpgsqlCommand(sql, _connection);
        }

        if (_ranOnItsOwn || _committed)
        {
            throw new InvalidOperationException("This unit of work has already written outside a transaction or committed.");
        }

        _ranOnItsOwn = true;
        return dataSource.CreateCommand(sql);
    }

    /// <summary>
    /// For the unit's owner, before the work runs: nothing is written after the use case's last write, so that write
    /// may end the transaction in its own round trip (<see cref="TryCommitWith"/>) instead of a COMMIT of its own. The
    /// owner still calls <see cref="CommitAsync"/> when the work succeeded, which then only runs what follows a commit.
    /// </summary>
    public void LetLastWriteCommit() => _lastWriteMayCommit = true;

    /// <summary>For a participant that writes after the use case (a stored Idempotency-Key response): the last write leaves the transaction open.</summary>
    public void KeepOpenAfterLastWrite() => _lastWriteMayCommit = false;

    /// <summary>
    /// For a store writing a use case's last write (<see cref="ApprovalStore.SaveAsLastWriteAsync"/>): adds the COMMIT to
    /// <paramref name="batch"/> when the owner allowed it, and returns whether it did. Once every result of the batch
    /// has been read without an error, the store calls <see cref="CommittedWithLastWrite"/>. A statement of the batch
    /// that fails aborts the transaction, and the COMMIT after it then never runs.
    /// </summary>
    internal bool TryCommitWith(NpgsqlBatch batch)
    {
        if (!_lastWriteMayCommit || !Open)
        {
            return false;
        }

        _lastWriteMayCommit = false;
        batch.BatchCommands.Add(CommitSql.BatchCommand());
        return true;
    }

    /// <summary>The batch of <see cref="TryCommitWith"/> committed: no statement follows, and <see cref="CommitAsync"/> has nothing left to send.</summary>
    internal void CommittedWithLastWrite() => _committedWithLastWrite = true;

    /// <summary>Stores call this when they append approval events: the observers are told once the unit commits.</summary>
    public void EventsAppended() => _eventsAppended = true;

    /// <summary>Runs <paramref name="action"/> once the unit has committed (never when it rolls back).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    /// <summary>Commits the transaction, if one was begun, then runs the after-commit actions. For the unit's owner only.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_committed)
        {
            throw new InvalidOperationException("The unit of work was committed already.");
        }

        if (Open)
        {
            await using var commit = new NpgsqlCommand(CommitSql.Text, _connection);
            await commit.ExecuteNonQueryAsync(cancellationToken);
        }

        _committed = true;
        foreach (var action in _afterCommit)
        {
            action();
        }

        if (_eventsAppended)
        {
            foreach (var observer in eventObservers)
            {
                observer.EventsCommitted();
            }
        }

        _afterCommit.Clear();
        await ReleaseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_committedWithLastWrite && !_committed)
        {
            // Committed with its last write, but the owner did not finish it: what committed is announced all the same.
            await CommitAsync(CancellationToken.None);
            return;
        }

        // Uncommitted: disposing the transaction rolls it back, and the after-commit actions never run.
        _afterCommit.Clear();
        await ReleaseAsync();
    }

    /// <summary>
    /// Returns the connection. Npgsql rolls back a transaction still open on a connection returning to its pool (with or
    /// without its own transaction object, whatever No Reset On Close says), so an uncommitted unit ends here.
    /// </summary>
    private async ValueTask ReleaseAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }
}
