using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Approvals.Api.Data;

public static class DatabaseTransactions
{
    /// <summary>
    /// Begins a transaction, or returns null when the request already runs in one: the Idempotency-Key filter opens
    /// it, so the stored response commits or rolls back together with the change it describes. Commit only what this
    /// returned; the opener commits its own.
    /// </summary>
    public static async Task<IDbContextTransaction?> BeginUnlessInTransactionAsync(this DatabaseFacade database, CancellationToken cancellationToken) =>
        database.CurrentTransaction is null ? await database.BeginTransactionAsync(cancellationToken) : null;

    /// <summary>
    /// An Npgsql batch in the context's current transaction, for the hand-written statements of hot paths that must
    /// see and lock what the transaction's EF Core work sees (several statements, one round trip).
    /// </summary>
    public static NpgsqlBatch CreateBatchInTransaction(this DatabaseFacade database, params NpgsqlBatchCommand[] commands)
    {
        var transaction = database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction
            ?? throw new InvalidOperationException("The statements must run in the context's transaction.");
        var batch = new NpgsqlBatch((NpgsqlConnection)database.GetDbConnection(), transaction);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        return batch;
    }
}
