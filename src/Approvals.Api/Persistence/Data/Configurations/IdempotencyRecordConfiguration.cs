using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(r => new { r.Caller, r.Key });
        builder.Property(r => r.Caller).HasMaxLength(200);
        builder.Property(r => r.Key).HasMaxLength(200);
        builder.Property(r => r.RequestHash).HasMaxLength(64);
        builder.Property(r => r.ResponseBody).HasColumnType("text");
        builder.Property(r => r.Location).HasMaxLength(500);
        builder.Property(r => r.ETag).HasMaxLength(100);
        builder.HasIndex(r => r.CreatedAt);
    }
}
