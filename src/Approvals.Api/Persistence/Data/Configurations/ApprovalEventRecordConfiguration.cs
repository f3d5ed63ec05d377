using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class ApprovalEventRecordConfiguration : IEntityTypeConfiguration<ApprovalEventRecord>
{
    public void Configure(EntityTypeBuilder<ApprovalEventRecord> builder)
    {
        builder.ToTable("approval_events");
        builder.HasKey(e => e.Position);

        // BY DEFAULT rather than ALWAYS: the migration keeps the ids of the history rows it moves here.
        builder.Property(e => e.Position).UseIdentityByDefaultColumn();
        builder.Property(e => e.Type).HasMaxLength(64);
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.CorrelationId).HasMaxLength(100);
        builder.Property(e => e.Data).HasColumnType("jsonb");
        builder.HasOne<ApprovalRecord>().WithMany().HasForeignKey(e => e.ApprovalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(e => new { e.ApprovalId, e.Sequence }).IsUnique();
    }
}
