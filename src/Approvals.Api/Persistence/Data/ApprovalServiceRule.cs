namespace Approvals.Api.Persistence.Data;

/// <summary>Links an approval to one of the downstream services that must accept its decision.</summary>
public sealed class ApprovalServiceRule
{
    public Guid ApprovalId { get; set; }

    public int ServiceRuleId { get; set; }

    public int Position { get; set; }

    public ServiceRule? ServiceRule { get; set; }
}
