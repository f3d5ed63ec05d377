using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class ServiceRuleConfiguration : IEntityTypeConfiguration<ServiceRule>
{
    public void Configure(EntityTypeBuilder<ServiceRule> builder)
    {
        builder.ToTable("service_rules", t => t.HasCheckConstraint("ck_service_rules_timeout", "timeout_seconds BETWEEN 1 AND 300"));
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).UseIdentityByDefaultColumn();
        builder.Property(r => r.Name).HasMaxLength(100);
        builder.HasIndex(r => r.Name).IsUnique();
        builder.Property(r => r.Url).HasMaxLength(2000);
        builder.Property(r => r.ApiKey).HasMaxLength(500);
        builder.Property(r => r.SigningSecret).HasMaxLength(200);
        builder.Property(r => r.PreviousSigningSecret).HasMaxLength(200);
        builder.Property(r => r.Enabled).HasDefaultValue(true);
        builder.Property(r => r.TimeoutSeconds).HasDefaultValue(10);
        builder.Property(r => r.OnDeadline).HasConversion<short?>();
        builder.Property(r => r.CreatedAt).HasDefaultValueSql("now()");
        builder.Property(r => r.UpdatedAt).HasDefaultValueSql("now()").ValueGeneratedOnAddOrUpdate();
    }
}
