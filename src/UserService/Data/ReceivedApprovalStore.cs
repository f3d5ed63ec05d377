using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace UserService.Data;

/// <summary>Records deliveries: the first final status per approval wins, and each webhook-id is one delivery.</summary>
public sealed class ReceivedApprovalStore(UserServiceDbContext db, TimeProvider clock)
{
    // One batch is one implicit transaction (PostgreSQL runs the statements up to the protocol's Sync as one), and in
    // it each statement takes its own snapshot, as separate statements would: ON CONFLICT makes concurrent
    // deliveries safe (the loser waits for the winner's commit and changes nothing), and the final read then sees
    // whichever status was recorded first. One round trip instead of four (BEGIN, two inserts, read, COMMIT).
    private const string RecordApprovalSql = """
        INSERT INTO user_service.received_approvals (id, status, first_received_at)
        VALUES ($1, $2, $3)
        ON CONFLICT (id) DO NOTHING
        """;

    private const string RecordWebhookSql = """
        INSERT INTO user_service.received_webhooks (webhook_id, approval_id, requested_status, first_received_at, times_received)
        VALUES ($1, $2, $3, $4, 1)
        ON CONFLICT (webhook_id) DO UPDATE SET times_received = received_webhooks.times_received + 1
        """;

    private const string RecordedStatusSql = "SELECT r.status FROM user_service.received_approvals AS r WHERE r.id = $1";

    /// <summary>Accepts a delivery and returns the status recorded for the approval (this one if it was the first).</summary>
    public async Task<short> AcceptAsync(Guid approvalId, short status, string webhookId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand(RecordApprovalSql)
                    {
                        Parameters =
                        {
                            new NpgsqlParameter<Guid> { TypedValue = approvalId },
                            new NpgsqlParameter<short> { TypedValue = status },
                            new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
                        },
                    },
                    new NpgsqlBatchCommand(RecordWebhookSql)
                    {
                        Parameters =
                        {
                            new NpgsqlParameter<string> { TypedValue = webhookId },
                            new NpgsqlParameter<Guid> { TypedValue = approvalId },
                            new NpgsqlParameter<short> { TypedValue = status },
                            new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
                        },
                    },
                    new NpgsqlBatchCommand(RecordedStatusSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = approvalId } } },
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            do
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    return reader.GetInt16(0);
                }
            }
            while (await reader.NextResultAsync(cancellationToken));

            throw new InvalidOperationException($"Approval {approvalId} was not recorded.");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public async Task<ReceivedApprovalResponse?> FindAsync(Guid approvalId, CancellationToken cancellationToken) =>
        await db.ReceivedApprovals.AsNoTracking()
            .Where(a => a.Id == approvalId)
            .Select(a => new ReceivedApprovalResponse(a.Id, a.Status, a.Webhooks.Count, a.FirstReceivedAt))
            .FirstOrDefaultAsync(cancellationToken);
}
