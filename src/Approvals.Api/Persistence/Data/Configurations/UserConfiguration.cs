using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).ValueGeneratedNever();
        builder.Property(u => u.Username).HasMaxLength(User.MaxUsernameLength);
        builder.HasIndex(u => u.Username).IsUnique();
        builder.Property(u => u.Subject).HasMaxLength(User.MaxUsernameLength);
        builder.HasIndex(u => u.Subject).IsUnique();
        builder.Property(u => u.PasswordHash).HasMaxLength(500);
        builder.Property(u => u.ProviderGroups).HasDefaultValueSql("'{}'");
        builder.Property(u => u.Disabled).HasDefaultValue(false);
        builder.Property(u => u.PasswordChangeRequired).HasDefaultValue(false);
    }
}
