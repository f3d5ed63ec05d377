using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace UserService.Data;

/// <summary>The service's own tables, in schema <c>user_service</c>, so it can share a cluster or database with anything.</summary>
public sealed class UserServiceDbContext(DbContextOptions<UserServiceDbContext> options) : DbContext(options)
{
    public const string Schema = "user_service";

    public DbSet<ReceivedApproval> ReceivedApprovals => Set<ReceivedApproval>();

    public DbSet<ReceivedWebhook> ReceivedWebhooks => Set<ReceivedWebhook>();

    public DbSet<ReceivedEvent> ReceivedEvents => Set<ReceivedEvent>();

    /// <summary>
    /// The service keeps no session state (no SET, temporary tables or LISTEN), so a connection going back to the
    /// pool needs no <c>DISCARD ALL</c>: one statement less per delivery.
    /// </summary>
    public static void Configure(DbContextOptionsBuilder options, string connectionString) => options
        .UseNpgsql(
            new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString,
            npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", Schema))
        .UseSnakeCaseNamingConvention();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<ReceivedApproval>(approval =>
        {
            approval.ToTable("received_approvals", t => t.HasCheckConstraint("ck_received_approvals_status", "status BETWEEN 3 AND 5"));
            approval.HasKey(a => a.Id);
            approval.Property(a => a.Id).ValueGeneratedNever();
            approval.HasMany(a => a.Webhooks).WithOne().HasForeignKey(w => w.ApprovalId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ReceivedWebhook>(webhook =>
        {
            webhook.ToTable("received_webhooks");
            webhook.HasKey(w => w.WebhookId);
            webhook.Property(w => w.WebhookId).HasMaxLength(200);
            webhook.HasIndex(w => w.ApprovalId);
        });
        modelBuilder.Entity<ReceivedEvent>(received =>
        {
            received.ToTable("received_events");
            received.HasKey(e => e.EventId);
            received.Property(e => e.EventId).ValueGeneratedNever();
            received.Property(e => e.Type).HasMaxLength(ApprovalEvents.ApprovalEventMessage.MaxTypeLength);
            received.Property(e => e.Actor).HasMaxLength(ApprovalEvents.ApprovalEventMessage.MaxActorLength);
            received.Property(e => e.Data).HasColumnType("jsonb");
            received.HasIndex(e => new { e.ApprovalId, e.Sequence });
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a database.</summary>
internal sealed class DesignTimeUserServiceDbContextFactory : IDesignTimeDbContextFactory<UserServiceDbContext>
{
    public UserServiceDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<UserServiceDbContext>();
        UserServiceDbContext.Configure(options, "Host=localhost;Database=user_service_design");
        return new UserServiceDbContext(options.Options);
    }
}
