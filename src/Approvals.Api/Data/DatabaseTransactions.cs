using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

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
}
