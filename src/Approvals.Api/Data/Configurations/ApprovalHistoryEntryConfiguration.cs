using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Data.Configurations;

internal sealed class ApprovalHistoryEntryConfiguration : IEntityTypeConfiguration<ApprovalHistoryEntry>
{
    public void Configure(EntityTypeBuilder<ApprovalHistoryEntry> builder)
    {
        builder.ToTable("approval_history");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).UseIdentityAlwaysColumn();
        builder.Property(h => h.Actor).HasMaxLength(200);
        builder.Property(h => h.Action).HasMaxLength(50);
        builder.Property(h => h.FromStatus).HasConversion<short?>();
        builder.Property(h => h.ToStatus).HasConversion<short?>();
        builder.Property(h => h.Changes).HasColumnType("jsonb");
        builder.Property(h => h.CorrelationId).HasMaxLength(100);
        builder.HasOne<Approval>().WithMany().HasForeignKey(h => h.ApprovalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(h => new { h.ApprovalId, h.Id });
    }
}
