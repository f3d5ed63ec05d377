using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;

namespace Approvals.Api.Features;

/// <summary>One vote of a bulk request, as parsed: the approval, the vote, or why the item itself is invalid.</summary>
public sealed record BulkVoteItem(Guid ApprovalId, VoteRequest? Vote, DomainError? Invalid);

/// <summary>What happened to one item: the approval after the vote, or the refusal.</summary>
public sealed record BulkVoteOutcome(Guid ApprovalId, Result<ApprovalRecord> Result);

/// <summary>
/// <c>POST /api/v1/votes:bulk</c>: each vote in its own scope and unit of work, committed on its own, so one refused
/// item neither stops nor undoes the others (docs/policies.md).
/// </summary>
public sealed class BulkVoting(IServiceScopeFactory scopes)
{
    public const int MaxItems = 100;

    public async Task<List<BulkVoteOutcome>> VoteAsync(IReadOnlyList<BulkVoteItem> items, Caller caller, CancellationToken cancellationToken)
    {
        var outcomes = new List<BulkVoteOutcome>(items.Count);
        foreach (var item in items)
        {
            if (item.Invalid is { } invalid)
            {
                outcomes.Add(new(item.ApprovalId, invalid));
                continue;
            }

            await using var scope = scopes.CreateAsyncScope();
            var unit = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unit.LetLastWriteCommit();
            var workflow = scope.ServiceProvider.GetRequiredService<ApprovalWorkflow>();
            var result = await workflow.VoteAsync(item.ApprovalId, item.Vote!, caller, cancellationToken);
            if (result.IsSuccess)
            {
                await unit.CommitAsync(cancellationToken);
            }

            outcomes.Add(new(item.ApprovalId, result));
        }

        return outcomes;
    }
}
