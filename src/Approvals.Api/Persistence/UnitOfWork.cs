using Approvals.Api.Persistence.Sql;
using Npgsql;

namespace Approvals.Api.Persistence;

/// <summary>
/// One per request or job (a scoped service): owns the connection, the transaction and the after-commit actions.
/// Stores run their statements through it; only its owner — <see cref="UnitOfWorkFilter"/> for a request, the job's
/// runner for a job — commits it, and nothing else begins or commits a transaction. The transaction begins when a
/// participant first needs one (<see cref="TransactionAsync"/>). A unit that never needs one may run a single
/// statement on its own instead (<see cref="CreateCommandAsync"/> without a transaction): one statement is atomic by
/// itself, and going through the data source shares its multiplexed connections, which is measurably cheaper on the
/// hottest write (creating; docs/benchmarks.md). Disposing an uncommitted unit rolls it back.
/// A use case's last write may carry the COMMIT in its own round trip when the owner allows it
/// (<see cref="LetLastWriteCommit"/>): a vote is then two round trips instead of three (docs/benchmarks.md, issue 18).
/// </summary>
public sealed class UnitOfWork(NpgsqlDataSource dataSource, IEnumerable<IEventsCommittedObserver> eventObservers) : IAsyncDisposable
{
    private static readonly SqlStatement CommitSql = SqlStatement.Get("TransactionCommit");

    private readonly List<Action> _afterCommit = [];
    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _transaction;
    private bool _ranOnItsOwn;
    private bool _committed;
    private bool _eventsAppended;
    private bool _lastWriteMayCommit;
    private bool _committedWithLastWrite;

    public bool InTransaction => _transaction is not null;

    /// <summary>The unit's transaction, begun on first use; every later caller joins it.</summary>
    public async ValueTask<NpgsqlTransaction> TransactionAsync(CancellationToken cancellationToken)
    {
        if (_committedWithLastWrite)
        {
            throw new InvalidOperationException("This unit of work committed with its last write.");
        }

        if (_transaction is not null)
        {
            return _transaction;
        }

        if (_ranOnItsOwn || _committed)
        {
            throw new InvalidOperationException("This unit of work has already written outside a transaction or committed.");
        }

        _connection = await dataSource.OpenConnectionAsync(cancellationToken);
        _transaction = await _connection.BeginTransactionAsync(cancellationToken);
        return _transaction;
    }

    /// <summary>A batch in the unit's transaction (begun if need be): several statements, one round trip.</summary>
    public async ValueTask<NpgsqlBatch> CreateBatchAsync(CancellationToken cancellationToken, params NpgsqlBatchCommand[] commands)
    {
        var transaction = await TransactionAsync(cancellationToken);
        var batch = new NpgsqlBatch(transaction.Connection, transaction);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    /// <summary>
    /// A command in the unit's transaction when one is open; otherwise a single statement on its own, through the
    /// data source, after which the unit takes no other statement (it could not be atomic with this one).
    /// </summary>
    public NpgsqlCommand CreateCommand(string sql)
    {
        if (_committedWithLastWrite)
        {
            throw new InvalidOperationException("This unit of work committed with its last write.");
        }

        if (_transaction is { } transaction)
        {
            return new NpgsqlCommand(sql, transaction.Connection, transaction);
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
        if (!_lastWriteMayCommit || _transaction is null)
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

        if (_transaction is not null && !_committedWithLastWrite)
        {
            await _transaction.CommitAsync(cancellationToken);
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

    private async ValueTask ReleaseAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
            _transaction = null;
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }
}
