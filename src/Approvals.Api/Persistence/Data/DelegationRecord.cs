namespace Approvals.Api.Persistence.Data;

/// <summary>A person's delegation (at most one each): their delegate acts for them in the period <c>[StartsAt, EndsAt)</c>.</summary>
public sealed class DelegationRecord
{
    public Guid DelegatorId { get; set; }

    public Guid DelegateId { get; set; }

    public DateTimeOffset StartsAt { get; set; }

    public DateTimeOffset EndsAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
