using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class DelegationConfiguration : IEntityTypeConfiguration<DelegationRecord>
{
    public void Configure(EntityTypeBuilder<DelegationRecord> builder)
    {
        builder.ToTable("delegations", t => t.HasCheckConstraint("ck_delegations_period", "ends_at > starts_at"));
        builder.HasKey(d => d.DelegatorId);
        builder.HasOne<User>().WithOne().HasForeignKey<DelegationRecord>(d => d.DelegatorId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(d => d.DelegateId).OnDelete(DeleteBehavior.Cascade);

        // Who delegated to someone: the inbox and every vote look it up.
        builder.HasIndex(d => new { d.DelegateId, d.EndsAt });
    }
}
