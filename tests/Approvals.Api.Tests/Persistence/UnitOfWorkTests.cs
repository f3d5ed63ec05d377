using Approvals.Api.Features;
using Approvals.Api.Persistence;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Api.Tests.Persistence;

/// <summary>
/// The unit of work owns the transaction: what a use case writes (the approval, its events, its jobs) commits together
/// when the owner commits, and a failure after the events are written leaves nothing behind, not even the after-commit
/// actions.
/// </summary>
public class UnitOfWorkTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private static readonly Caller Approver = new("user:approver-uow", "corr-uow", Permission.ReadAll | Permission.Decide);

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
    public async Task A_unit_that_ran_a_statement_on_its_own_takes_no_transactional_work_after_it()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        var creation = scope.ServiceProvider.GetRequiredService<ApprovalCreation>();
        var draft = new ApprovalDraft("On its own", "One statement.", FutureDeadline, null, [await ServiceRuleAsync()]);

        var created = await creation.CreateAsync(draft, Approver with { Permissions = Permission.All }, CancellationToken.None);

        Assert.True(created.IsSuccess);
        Assert.False(unit.InTransaction);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await unit.TransactionAsync(CancellationToken.None));
    }

    /// <summary>The approval's events plus its jobs, as the unit's own transaction sees them.</summary>
    private static async Task<long> CountInUnitAsync(UnitOfWork unit, Guid id)
    {
        var transaction = await unit.TransactionAsync(CancellationToken.None);
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT (SELECT count(*) FROM approval_events WHERE approval_id = $1) + (SELECT count(*) FROM delivery_jobs WHERE approval_id = $1)",
            transaction.Connection, transaction);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = id });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
