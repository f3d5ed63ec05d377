using Microsoft.EntityFrameworkCore;

namespace Approvals.Api.Persistence.Data;

public sealed class ApprovalsDbContext(DbContextOptions<ApprovalsDbContext> options) : DbContext(options)
{
    public DbSet<ApprovalRecord> Approvals => Set<ApprovalRecord>();

    public DbSet<ApprovalServiceRule> ApprovalServiceRules => Set<ApprovalServiceRule>();

    public DbSet<ServiceRule> ServiceRules => Set<ServiceRule>();

    public DbSet<ApprovalEventRecord> Events => Set<ApprovalEventRecord>();

    public DbSet<EventRelayCheckpoint> EventRelayCheckpoints => Set<EventRelayCheckpoint>();

    public DbSet<ApprovalTimerRecord> ApprovalTimers => Set<ApprovalTimerRecord>();

    public DbSet<DeliveryJob> DeliveryJobs => Set<DeliveryJob>();

    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    public DbSet<ApiClient> ApiClients => Set<ApiClient>();

    public DbSet<User> Users => Set<User>();

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<GroupMember> GroupMembers => Set<GroupMember>();

    public DbSet<DelegationRecord> Delegations => Set<DelegationRecord>();

    /// <summary>The key ring of ASP.NET Core Data Protection (session and antiforgery cookies), shared by every instance.</summary>
    public DbSet<DataProtectionKeyRecord> DataProtectionKeys => Set<DataProtectionKeyRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ApprovalsDbContext).Assembly);
}
