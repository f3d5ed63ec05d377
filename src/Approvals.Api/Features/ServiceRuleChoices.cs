using Approvals.Api.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Features;

/// <summary>A service rule as people choose it: its id, its name, and whether new requests may name it.</summary>
public sealed record ServiceRuleChoice(int Id, string Name, bool Enabled);

/// <summary>
/// The service rules the pages offer to choose from (the new request form, the inbox filter): ids and names only, for
/// any signed-in person. Everything else about a rule (its URL, its credentials) stays with the admins.
/// </summary>
public sealed class ServiceRuleChoices(ApprovalsDbContext db)
{
    /// <summary>Every service rule, by name.</summary>
    public Task<List<ServiceRuleChoice>> ListAsync(CancellationToken cancellationToken) =>
        db.ServiceRules.AsNoTracking()
            .OrderBy(r => r.Name)
            .Select(r => new ServiceRuleChoice(r.Id, r.Name, r.Enabled))
            .ToListAsync(cancellationToken);
}
