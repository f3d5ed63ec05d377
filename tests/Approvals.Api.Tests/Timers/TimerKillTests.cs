using Approvals.Api.Tests.Delivery;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Api.Tests.Messaging;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Api.Tests.Timers;

/// <summary>
/// A worker process (<c>--role worker</c>, on the real clock) killed with SIGKILL at the moment it fires a deadline:
/// it has claimed the approval (locked) and is taking the timer, in a transaction that has not committed. The test
/// catches it there by holding the timer's row lock, so the fire's DELETE waits; it kills the process, lets go, and
/// then a survivor on the fixture's fake clock fires the deadline: the decision is taken, and delivered, once.
/// </summary>
public static class TimerKill
{
    public static async Task RunAsync<TFixture>(
        TimerTestBase<TFixture> test, TFixture fixture, IEnumerable<KeyValuePair<string, string?>> workerSettings, Func<IAsyncDisposable?> startSurvivor)
        where TFixture : DeliveryFixture
    {
        // Due a few real seconds from now, when the worker process is up; the fixture's fake clock stays behind it until moved.
        var rule = await fixture.AddUserServiceRuleAsync();
        var deadline = Timestamps.ToStoredPrecision(DateTimeOffset.UtcNow.AddSeconds(3));
        var id = await test.CreateForKillAsync(deadline, rule);
        Guid timerId;
        await using (var db = fixture.CreateDbContext())
        {
            timerId = await db.ApprovalTimers.Where(t => t.ApprovalId == id).Select(t => t.Id).SingleAsync();
        }

        await using var holder = new NpgsqlConnection(fixture.ConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await Execute(holder, hold, "SELECT 1 FROM approval_timers WHERE id = @id FOR UPDATE", ("id", timerId));

        int firing;
        using (var worker = WorkerProcess.Start(fixture.ConnectionString, workerSettings))
        {
            try
            {
                firing = await WaitForFireBlockedAsync(fixture.ConnectionString, holder.ProcessID, worker);
            }
            finally
            {
                await worker.KillAsync(); // SIGKILL: the fire's transaction never commits.
            }
        }

        await hold.RollbackAsync();
        await WaitUntilGoneAsync(fixture.ConnectionString, firing);

        // Nothing of the killed fire is left: the approval is as created, its timer back in place.
        await using (var db = fixture.CreateDbContext())
        {
            var approval = await db.Approvals.SingleAsync(a => a.Id == id);
            Assert.Equal((ApprovalStatus.Pending, 1), (approval.Status, approval.Version));
            Assert.Equal(timerId, await db.ApprovalTimers.Where(t => t.ApprovalId == id).Select(t => t.Id).SingleAsync());
            Assert.Equal(0, await db.DeliveryJobs.CountAsync(j => j.ApprovalId == id));
        }

        await using var survivor = startSurvivor();
        test.MoveClockTo(deadline);
        await test.WaitForFinalAsync(id, "REJECTED");

        await using (var db = fixture.CreateDbContext())
        {
            var decided = await db.Events.Where(e => e.ApprovalId == id && e.Type == "approval.decided").ToListAsync();
            Assert.Equal("system:deadline", Assert.Single(decided).Actor);
            Assert.Equal(1, await db.DeliveryJobs.CountAsync(j => j.ApprovalId == id));
            Assert.Equal(0, await db.ApprovalTimers.CountAsync(t => t.ApprovalId == id));
        }

        Assert.Equal(1, Assert.Single(await fixture.UserService.TimesReceivedAsync(id)).Value);
    }

    /// <summary>
    /// The backend of the worker's fire, once it waits for the timer's row lock (held by <paramref name="holderPid"/>)
    /// in its DELETE. Looked for from a connection of its own: a transaction sees one snapshot of pg_stat_activity.
    /// </summary>
    private static async Task<int> WaitForFireBlockedAsync(string connectionString, int holderPid, WorkerProcess worker)
    {
        await using var observer = new NpgsqlConnection(connectionString);
        await observer.OpenAsync();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using (var blocked = new NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE @holder = ANY (pg_blocking_pids(pid)) AND query LIKE 'DELETE FROM approval_timers%'",
                observer))
            {
                blocked.Parameters.AddWithValue("holder", holderPid);
                if (await blocked.ExecuteScalarAsync() is int pid)
                {
                    return pid;
                }
            }

            Assert.False(worker.HasExited, $"the worker process ended early: {worker.Errors}");
            Assert.True(DateTime.UtcNow < until, $"the worker process never fired the deadline: {worker.Errors}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the killed worker's backend has noticed and ended (rolling its transaction back).</summary>
    private static async Task WaitUntilGoneAsync(string connectionString, int pid)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var alive = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = @pid", connection);
            alive.Parameters.AddWithValue("pid", pid);
            if ((long)(await alive.ExecuteScalarAsync())! == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, $"backend {pid} of the killed worker is still there");
            await Task.Delay(50);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, (string Name, object Value) parameter)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue(parameter.Name, parameter.Value);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The postgres transport: the worker process runs a dispatcher and a timer loop; the survivor is the API's own (role all).</summary>
public sealed class PostgresTimerKillTests(DeliveryFixture fixture) : TimerTestBase<DeliveryFixture>(fixture)
{
    [Fact]
    public async Task A_worker_killed_while_it_fires_a_deadline_leaves_it_to_another_loop_and_the_action_happens_once() =>
        await TimerKill.RunAsync(this, Factory, [], () => null);
}

/// <summary>The rabbitmq transport: the worker process consumes deliveries and fires timers; the survivor is another worker.</summary>
public sealed class BrokerTimerKillTests(ApiOnlyBrokerFixture fixture) : TimerTestBase<ApiOnlyBrokerFixture>(fixture)
{
    [Fact]
    public async Task A_worker_killed_while_it_fires_a_deadline_leaves_it_to_another_worker_and_the_action_happens_once() =>
        await TimerKill.RunAsync(this, Factory, BrokerFixture.BrokerSettings(Factory.BrokerUri, Factory.DeliveryLimit), () => Factory.StartWorker());
}
