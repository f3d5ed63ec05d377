using Approvals.Api.Persistence;
using Approvals.Api.Persistence.Data;
using Approvals.Domain;
using Npgsql;

namespace Approvals.Api.Features;

/// <summary>
/// What a caller could do to an approval now (<see cref="Approval.ActionsFor"/>), with the facts a vote or decision
/// would be judged on: the people who delegated to the caller, the members of groups counted one by one, and whether
/// the service rules allow self-approval. The detail page offers these actions; posting one goes through
/// <see cref="ApprovalWorkflow"/>, which judges again under the approval's lock. Reads only, outside any transaction.
/// </summary>
public sealed class ApprovalActions(PeopleDirectory people, NpgsqlDataSource dataSource, TimeProvider clock)
{
    public async Task<ActionsOffered> OfferedAsync(ApprovalRecord record, Caller caller, CancellationToken cancellationToken)
    {
        var approval = record.ToAggregate();
        if (!approval.TakesActions)
        {
            return ActionsOffered.None;
        }

        var now = clock.GetUtcNow();
        var self = VotingPerson.Of(caller);
        IReadOnlyList<VotingPerson> delegators = approval.HasPolicy && self is not null
            ? await people.ActiveDelegatorsAsync(self.Actor, now, cancellationToken)
            : [];
        var membersOf = await people.MembersOfAsync(approval.Stages, cancellationToken);
        var creatorActs = caller.Actor == approval.CreatedBy || delegators.Any(d => d.Actor == approval.CreatedBy);
        var selfApprovalAllowed = creatorActs && await ServiceRuleStore.SelfApprovalAllowedAsync(dataSource, approval.ServiceRules, cancellationToken);
        return approval.ActionsFor(caller, new VoteFacts(now, self, delegators, membersOf, selfApprovalAllowed));
    }
}
