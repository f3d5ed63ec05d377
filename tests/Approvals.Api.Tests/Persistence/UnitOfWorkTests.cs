using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Approvals.Api.Tests.Persistence;

/// <summary>
/// The unit of work owns the transaction: what a use case writes (the approval, its events, its jobs) commits together
/// when the owner commits, and a failure after the events are written leaves nothing behind, not even the after-commit
/// actions.
/// </summary>
public class UnitOfWorkTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private static readonly Caller Approver = new("user:approver-uow", "corr-uow", Permission.ReadAll | Permission.Decide);
    private static readonly Caller Admin = Approver with { Permissions = Permission.All };

    [Fact]
    public async Task A_failure_after_the_events_are_written_rolls_back_the_change_and_its_events()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync("Rolled back", await ServiceRuleAsync(), await ServiceRuleAsync()));
        var before = await SnapshotAsync();
        var afterCommitRan = false;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            var workflow = scope.ServiceProvider.GetRequiredService<ApprovalWorkflow>();
            var decided = await workflow.UpdateAsync(id, new ApprovalChange(new ApprovalEdit(Comment: "go"), Decision.Approve), Approver, CancellationToken.None);
            Assert.True(decided.IsSuccess);
            unit.AfterCommit(() => afterCommitRan = true);

            // Created and decided events, and two jobs, written in the unit's transaction, visible to it alone.
            Assert.Equal(2 + 2, await CountInUnitAsync(unit, id));
            throw new InvalidOperationException("the request failed after its writes");
        });

        Assert.Equal("the request failed after its writes", failure.Message);
        Assert.False(afterCommitRan);
        before.AssertUnchanged(await SnapshotAsync(), "a unit of work disposed after a failure");
        await using var db = Factory.CreateDbContext();
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == id));
        Assert.Equal(ApprovalStatus.Pending, (await db.Approvals.SingleAsync(a => a.Id == id)).Status);
    }

    [Fact]
    public async Task The_owner_commit_writes_the_change_its_events_and_jobs_together_then_runs_the_after_commit_actions()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync("Committed", await ServiceRuleAsync(), await ServiceRuleAsync()));
        var afterCommitRan = false;

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            var workflow = scope.ServiceProvider.GetRequiredService<ApprovalWorkflow>();
            var decided = await workflow.UpdateAsync(id, new ApprovalChange(new ApprovalEdit(), Decision.Reject), Approver, CancellationToken.None);
            Assert.True(decided.IsSuccess);
            unit.AfterCommit(() => afterCommitRan = true);

            await using (var outside = Factory.CreateDbContext())
            {
                // Not yet committed: another connection sees none of it.
                Assert.Equal(1, await outside.Events.CountAsync(e => e.ApprovalId == id));
                Assert.Equal(0, await outside.DeliveryJobs.CountAsync(j => j.ApprovalId == id));
            }

            Assert.False(afterCommitRan);
            await unit.CommitAsync(CancellationToken.None);
            Assert.True(afterCommitRan);
        }

        await using var db = Factory.CreateDbContext();
        var events = await db.Events.Where(e => e.ApprovalId == id).OrderBy(e => e.Sequence).Select(e => e.Type).ToListAsync();
        Assert.Equal(["approval.created", "approval.decided"], events);
        Assert.Equal(2, await db.DeliveryJobs.CountAsync(j => j.ApprovalId == id));
        Assert.Equal(2, (await db.Approvals.SingleAsync(a => a.Id == id)).Version);
    }

    [Fact]
    public async Task An_owner_that_lets_the_last_write_commit_finds_the_change_committed_by_it_and_finishes_with_its_commit()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync("Committed with the write", await ServiceRuleAsync(), await ServiceRuleAsync()));
        var afterCommitRan = false;

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unit.LetLastWriteCommit();
            var workflow = scope.ServiceProvider.GetRequiredService<ApprovalWorkflow>();
            var decided = await workflow.UpdateAsync(id, new ApprovalChange(new ApprovalEdit(), Decision.Approve), Approver, CancellationToken.None);
            Assert.True(decided.IsSuccess);
            unit.AfterCommit(() => afterCommitRan = true);

            await using (var outside = Factory.CreateDbContext())
            {
                // Committed in the write's round trip: another connection sees all of it before the owner commits.
                Assert.Equal(2, await outside.Events.CountAsync(e => e.ApprovalId == id));
                Assert.Equal(2, await outside.DeliveryJobs.CountAsync(j => j.ApprovalId == id));
            }

            // Nothing may be written after it; the owner's commit runs what follows a commit.
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await unit.CreateBatchAsync(CancellationToken.None));
            Assert.False(afterCommitRan);
            await unit.CommitAsync(CancellationToken.None);
            Assert.True(afterCommitRan);
        }

        await using var db = Factory.CreateDbContext();
        Assert.Equal(ApprovalStatus.AcknowledgedApproved, (await db.Approvals.SingleAsync(a => a.Id == id)).Status);
    }

    [Fact]
    public async Task A_last_write_whose_version_no_longer_matches_commits_nothing_though_its_batch_ends_with_the_commit()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync("Stale", await ServiceRuleAsync()));
        var before = await SnapshotAsync();

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unit.LetLastWriteCommit();
            var record = (await ApprovalStore.LockAsync(unit, id, CancellationToken.None))!;

            // As if read before the approval's last change: the write's version check fails, and so must its COMMIT.
            record.Version--;
            var approval = record.ToAggregate();
            var changed = approval.Change(new ApprovalChange(new ApprovalEdit(Comment: "stale")), Admin, new ChangeFacts(Factory.Clock.GetUtcNow()));
            Assert.True(changed.IsSuccess && changed.Value);

            await Assert.ThrowsAnyAsync<Exception>(() => ApprovalStore.SaveAsLastWriteAsync(unit, new ApprovalChangeSet(record, approval), CancellationToken.None));
        }

        before.AssertUnchanged(await SnapshotAsync(), "a last write with a stale version");
        await using var db = Factory.CreateDbContext();
        Assert.Equal(1, await db.Events.CountAsync(e => e.ApprovalId == id));
        Assert.NotEqual("stale", (await db.Approvals.SingleAsync(a => a.Id == id)).Comment);
    }

    [Fact]
    public async Task A_failure_after_a_last_write_that_committed_still_runs_what_follows_a_commit()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync("Failed after committing", await ServiceRuleAsync()));
        var afterCommitRan = false;

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unit.LetLastWriteCommit();
            var workflow = scope.ServiceProvider.GetRequiredService<ApprovalWorkflow>();
            Assert.True((await workflow.UpdateAsync(id, new ApprovalChange(new ApprovalEdit(Comment: "kept")), Admin, CancellationToken.None)).IsSuccess);
            unit.AfterCommit(() => afterCommitRan = true);
            throw new InvalidOperationException("the request failed after its last write");
        });

        // The change committed with the write, so what follows a commit (jobs handed off, the event feed told) runs.
        Assert.True(afterCommitRan);
        await using var db = Factory.CreateDbContext();
        Assert.Equal("kept", (await db.Approvals.SingleAsync(a => a.Id == id)).Comment);
    }

    [Fact]
    public async Task A_unit_that_ran_a_statement_on_its_own_takes_no_transactional_work_after_it()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        var creation = scope.ServiceProvider.GetRequiredService<ApprovalCreation>();
        var draft = new ApprovalDraft("On its own", "One statement.", FutureDeadline, null, [await ServiceRuleAsync()]);

        var created = await creation.CreateAsync(draft, Approver with { Permissions = Permission.All }, CancellationToken.None);

        Assert.True(created.IsSuccess);
        Assert.False(unit.InTransaction);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await unit.CreateBatchAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_first_batch_begins_the_transaction_which_holds_its_locks_until_the_unit_ends_and_a_disposed_unit_leaves_its_connection_idle()
    {
        var id = Guid.Parse(await CreateApprovalIdAsync("Locked by a unit", await ServiceRuleAsync()));
        var main = Factory.Services.GetRequiredService<NpgsqlDataSource>();

        // One connection, so the next unit gets the connection the first one gave back.
        await using var transactions = SingleConnectionTransactions();
        await using (var unit = new UnitOfWork(main, transactions, []))
        {
            Assert.NotNull(await ApprovalStore.LockAsync(unit, id, CancellationToken.None));
            Assert.True(await IsLockedAsync(main, id));

            // A later statement of the unit runs in the same transaction: it sees the lock's transaction as its own.
            await using var command = unit.CreateCommand("SELECT now() <> statement_timestamp()");
            Assert.True((bool)(await command.ExecuteScalarAsync())!);
        }

        // Disposed without a commit: the transaction rolled back, its lock is gone and the connection is back in the pool idle.
        Assert.False(await IsLockedAsync(main, id));
        await using (var next = new UnitOfWork(main, transactions, []))
        {
            await using var batch = await next.CreateBatchAsync(CancellationToken.None, new NpgsqlBatchCommand("SELECT 1"));
            await batch.ExecuteNonQueryAsync();
            await next.CommitAsync(CancellationToken.None);
        }

        // The pool's one connection, as the next unit would get it: its backend is idle, not idle in a transaction.
        await using var connection = await transactions.OpenConnectionAsync();
        await using var state = main.CreateCommand("SELECT state FROM pg_stat_activity WHERE pid = $1");
        state.Parameters.Add(new NpgsqlParameter<int> { TypedValue = connection.ProcessID });
        Assert.Equal("idle", (string?)await state.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_failed_batch_aborts_the_transaction_and_the_unit_still_gives_its_connection_back_usable()
    {
        var main = Factory.Services.GetRequiredService<NpgsqlDataSource>();
        await using var transactions = SingleConnectionTransactions();
        await using (var unit = new UnitOfWork(main, transactions, []))
        {
            await using var batch = await unit.CreateBatchAsync(CancellationToken.None, new NpgsqlBatchCommand("SELECT 1/0"));
            await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync());
        }

        await using var again = new UnitOfWork(main, transactions, []);
        await using var next = await again.CreateBatchAsync(CancellationToken.None, new NpgsqlBatchCommand("SELECT 2"));
        Assert.Equal(2, (int)(await next.ExecuteScalarAsync())!);
    }

    /// <summary>The transactions' data source as the host builds it, with one connection.</summary>
    private NpgsqlDataSource SingleConnectionTransactions() => DatabaseSetup.CreateTransactionDataSourceBuilder(
        new NpgsqlConnectionStringBuilder(Factory.ConnectionString) { MaxPoolSize = 1 }.ConnectionString, maxPoolSize: 1).Build();

    /// <summary>Whether another transaction holds the approval's row lock.</summary>
    private static async Task<bool> IsLockedAsync(NpgsqlDataSource dataSource, Guid id)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM (SELECT 1 FROM approvals WHERE id = $1 FOR UPDATE SKIP LOCKED) AS free");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return (long)(await command.ExecuteScalarAsync())! == 0;
    }

    /// <summary>The approval's events plus its jobs, as the unit's own transaction sees them.</summary>
    private static async Task<long> CountInUnitAsync(UnitOfWork unit, Guid id)
    {
        await using var command = unit.CreateCommand(
            "SELECT (SELECT count(*) FROM approval_events WHERE approval_id = $1) + (SELECT count(*) FROM delivery_jobs WHERE approval_id = $1)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
