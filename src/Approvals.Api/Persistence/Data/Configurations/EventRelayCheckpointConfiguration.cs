using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class EventRelayCheckpointConfiguration : IEntityTypeConfiguration<EventRelayCheckpoint>
{
    public void Configure(EntityTypeBuilder<EventRelayCheckpoint> builder)
    {
        builder.ToTable("event_relay_checkpoints");
        builder.HasKey(c => c.Name);
        builder.Property(c => c.Name).HasMaxLength(64);
    }
}
