using Microsoft.EntityFrameworkCore;

namespace UserService.Data;

/// <summary>Records deliveries: the first final status per approval wins, and each webhook-id is one delivery.</summary>
public sealed class ReceivedApprovalStore(UserServiceDbContext db, TimeProvider clock)
{
    /// <summary>Accepts a delivery and returns the status recorded for the approval (this one if it was the first).</summary>
    public async Task<short> AcceptAsync(Guid approvalId, short status, string webhookId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // ON CONFLICT makes concurrent deliveries safe: the loser waits for the winner's commit and changes nothing.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO user_service.received_approvals (id, status, first_received_at)
            VALUES ({approvalId}, {status}, {now})
            ON CONFLICT (id) DO NOTHING
            """, cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO user_service.received_webhooks (webhook_id, approval_id, requested_status, first_received_at, times_received)
            VALUES ({webhookId}, {approvalId}, {status}, {now}, 1)
            ON CONFLICT (webhook_id) DO UPDATE SET times_received = received_webhooks.times_received + 1
            """, cancellationToken);
        var recorded = await db.ReceivedApprovals.Where(a => a.Id == approvalId).Select(a => a.Status).FirstAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return recorded;
    }

    public async Task<ReceivedApprovalResponse?> FindAsync(Guid approvalId, CancellationToken cancellationToken) =>
        await db.ReceivedApprovals.AsNoTracking()
            .Where(a => a.Id == approvalId)
            .Select(a => new ReceivedApprovalResponse(a.Id, a.Status, a.Webhooks.Count, a.FirstReceivedAt))
            .FirstOrDefaultAsync(cancellationToken);
}
