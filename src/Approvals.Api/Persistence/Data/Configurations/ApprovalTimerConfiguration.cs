using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class ApprovalTimerConfiguration : IEntityTypeConfiguration<ApprovalTimerRecord>
{
    public void Configure(EntityTypeBuilder<ApprovalTimerRecord> builder)
    {
        builder.ToTable("approval_timers");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Kind).HasConversion<short>();
        builder.Property(t => t.CreatedAt).HasDefaultValueSql("now()");

        // One timer per (approval, kind, deadline, offset): scheduling the same timer again keeps the stored one.
        builder.HasIndex(t => new { t.ApprovalId, t.Kind, t.Deadline, t.BeforeDeadline }).IsUnique();

        // The loops' claim walks the timers by due time.
        builder.HasIndex(t => t.DueAt);
    }
}
