using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class DeliveryJobConfiguration : IEntityTypeConfiguration<DeliveryJob>
{
    public void Configure(EntityTypeBuilder<DeliveryJob> builder)
    {
        builder.ToTable("delivery_jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Id).ValueGeneratedNever();
        builder.Property(j => j.RequestedStatus).HasConversion<short>();
        builder.Property(j => j.ReportedStatus).HasConversion<short?>();
        builder.Property(j => j.State).HasConversion<short>();
        builder.Property(j => j.LeaseOwner).HasMaxLength(200);
        builder.Property(j => j.LastError).HasMaxLength(2000);
        builder.Property(j => j.LastErrorCode).HasMaxLength(100);
        builder.Property(j => j.TraceParent).HasMaxLength(55);
        builder.HasOne<ServiceRule>().WithMany().HasForeignKey(j => j.ServiceRuleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(j => j.AttemptLog).WithOne().HasForeignKey(a => a.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => new { j.ApprovalId, j.DecisionId });

        // The dispatcher's claim walks only pending jobs, by due time...
        builder.HasIndex(j => j.NextAttemptAt)
            .HasFilter($"state = {(short)DeliveryState.Pending}")
            .HasDatabaseName("ix_delivery_jobs_due");

        // ...and only the jobs being sent, by lease expiry, to find the leases that ran out.
        builder.HasIndex(j => j.LeaseExpiresAt)
            .HasFilter($"state = {(short)DeliveryState.Sending}")
            .HasDatabaseName("ix_delivery_jobs_leased");
    }
}
