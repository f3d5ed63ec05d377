using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> builder)
    {
        builder.ToTable("delivery_attempts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.Error).HasMaxLength(2000);
        builder.Property(a => a.ResponseExcerpt).HasMaxLength(1024);
        builder.HasIndex(a => new { a.JobId, a.Number }).IsUnique();

        // The admins' delivery health reads the attempts of the last hours. Rows arrive in about the order they
        // started, so a BRIN index finds them for a few pages, and costs the hot insert next to nothing.
        builder.HasIndex(a => a.StartedAt).HasMethod("brin").HasDatabaseName("ix_delivery_attempts_started_at");
    }
}
