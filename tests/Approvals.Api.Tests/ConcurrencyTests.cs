using System.Net;
using System.Net.Http.Json;
using Approvals.Api.Tests.Infrastructure;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Tests;

/// <summary>Many callers at once on one approval: one decision wins, no edit is lost, history stays a clean chain.</summary>
public class ConcurrencyTests(ApprovalsApiFactory factory) : ApiTestBase<ApprovalsApiFactory>(factory)
{
    private const int Callers = 20;

    [Fact]
    public async Task Twenty_parallel_decisions_accept_exactly_one_and_queue_one_set_of_jobs()
    {
        var rules = new[] { await ServiceRuleAsync(), await ServiceRuleAsync() };
        var id = await CreateApprovalIdAsync("Contested", rules);
        string[] decisions = ["approve", "reject", "cancel"];

        var responses = await InParallelAsync(i => DecideAsync(id, decisions[i % 3], $"caller {i}"));

        var accepted = responses.Where(r => r.Response.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.Single(accepted);
        foreach (var (_, response) in responses.Where(r => r.Response.StatusCode != HttpStatusCode.Accepted))
        {
            await AssertProblemAsync(response, 409, ErrorCodes.AwaitingDelivery);
        }

        var winner = Enum.Parse<Decision>(decisions[accepted[0].Index % 3], ignoreCase: true);
        await using var db = Factory.CreateDbContext();
        var approvalId = Guid.Parse(id);
        var approval = await db.Approvals.SingleAsync(a => a.Id == approvalId);
        var (jobs, history) = await StoredTrailAsync(id);

        Assert.Equal(ApprovalStateMachine.Evaluate(ApprovalStatus.Pending, winner.ToCommand()).Target, approval.Status);
        Assert.Equal($"caller {accepted[0].Index}", approval.Comment);
        Assert.Equal(2, approval.Version);
        Assert.Equal(rules.Order(), jobs.Select(j => j.ServiceRuleId).Order());
        Assert.All(jobs, j => Assert.Equal(approval.CurrentDecisionId, j.DecisionId));
        Assert.All(jobs, j => Assert.Equal(winner.FinalStatus(), j.RequestedStatus));
        Assert.Equal([HistoryActions.Created, HistoryActions.Decided], history.Select(h => h.Action));
    }

    [Fact]
    public async Task Twenty_parallel_legacy_decisions_accept_exactly_one()
    {
        var id = await CreateApprovalIdAsync("Contested legacy");

        var responses = await InParallelAsync(_ => Client.PutAsJsonAsync("/request", new { id, status = 3 }));

        Assert.Single(responses, r => r.Response.StatusCode == HttpStatusCode.OK);
        foreach (var (_, response) in responses.Where(r => r.Response.StatusCode != HttpStatusCode.OK))
        {
            await AssertProblemAsync(response, 409, ErrorCodes.AwaitingDelivery);
        }

        var (jobs, history) = await StoredTrailAsync(id);
        Assert.Single(jobs);
        Assert.Equal([HistoryActions.Created, HistoryActions.Decided], history.Select(h => h.Action));
    }

    [Fact]
    public async Task Twenty_parallel_comment_edits_are_all_applied_each_with_one_history_row()
    {
        var id = await CreateApprovalIdAsync("Busy");

        var responses = await InParallelAsync(i => PatchAsync(id, $$"""{"comment":"edit {{i}}"}"""));

        foreach (var (_, response) in responses)
        {
            await AssertStatusAsync(response, HttpStatusCode.OK);
        }

        await using var db = Factory.CreateDbContext();
        var approvalId = Guid.Parse(id);
        var approval = await db.Approvals.SingleAsync(a => a.Id == approvalId);
        var edits = (await StoredTrailAsync(id)).History.Where(h => h.Action == HistoryActions.Edited).ToList();

        Assert.Equal(1 + Callers, approval.Version);
        Assert.Equal(Callers, edits.Count);
        var comments = edits.Select(h => h.Changes.GetProperty("comment")).ToList();
        Assert.Equal(Enumerable.Range(0, Callers).Select(i => $"edit {i}").Order(StringComparer.Ordinal),
            comments.Select(c => c.GetProperty("new").GetString()).Order(StringComparer.Ordinal));

        // A chain: every edit saw the comment the previous one wrote, so none was lost.
        Assert.Equal("first", comments[0].GetProperty("old").GetString());
        for (var i = 1; i < comments.Count; i++)
        {
            Assert.Equal(comments[i - 1].GetProperty("new").GetString(), comments[i].GetProperty("old").GetString());
        }

        Assert.Equal(comments[^1].GetProperty("new").GetString(), approval.Comment);
    }

    [Fact]
    public async Task Parallel_edits_and_a_decision_never_leave_an_edit_after_the_lock()
    {
        var id = await CreateApprovalIdAsync("Edit or decide");

        var responses = await InParallelAsync(i => i == Callers / 2 ? DecideAsync(id, "approve") : PatchAsync(id, $$"""{"title":"title {{i}}"}"""));

        Assert.Equal(HttpStatusCode.Accepted, responses[Callers / 2].Response.StatusCode);
        var history = (await StoredTrailAsync(id)).History.Select(h => h.Action).ToList();
        var applied = responses.Count(r => r.Index != Callers / 2 && r.Response.StatusCode == HttpStatusCode.OK);
        foreach (var (_, response) in responses.Where(r => r.Index != Callers / 2 && r.Response.StatusCode != HttpStatusCode.OK))
        {
            await AssertProblemAsync(response, 409, ErrorCodes.AwaitingDelivery);
        }

        Assert.Equal(HistoryActions.Decided, history[^1]);
        Assert.Equal(applied, history.Count(a => a == HistoryActions.Edited));
        Assert.Equal(2 + applied, (int)(await ReadObjectAsync(await Client.GetAsync($"/api/v1/approvals/{id}")))["version"]!);
    }

    /// <summary>Starts every call before awaiting any, so they really race.</summary>
    private static async Task<List<(int Index, HttpResponseMessage Response)>> InParallelAsync(Func<int, Task<HttpResponseMessage>> call) =>
        [.. await Task.WhenAll(Enumerable.Range(0, Callers).Select(i => Task.Run(async () => (i, await call(i)))))];
}
