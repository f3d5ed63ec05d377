using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class ApprovalServiceRuleConfiguration : IEntityTypeConfiguration<ApprovalServiceRule>
{
    public void Configure(EntityTypeBuilder<ApprovalServiceRule> builder)
    {
        builder.ToTable("approval_service_rules");
        builder.HasKey(r => new { r.ApprovalId, r.ServiceRuleId });
        builder.HasOne(r => r.ServiceRule).WithMany().HasForeignKey(r => r.ServiceRuleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => r.ServiceRuleId);
    }
}
