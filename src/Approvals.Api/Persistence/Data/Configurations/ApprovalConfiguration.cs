using Approvals.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Approvals.Api.Persistence.Data.Configurations;

internal sealed class ApprovalConfiguration : IEntityTypeConfiguration<ApprovalRecord>
{
    public void Configure(EntityTypeBuilder<ApprovalRecord> builder)
    {
        builder.ToTable("approvals", t =>
        {
            t.HasCheckConstraint("ck_approvals_status", "status BETWEEN 0 AND 8");
            t.HasCheckConstraint("ck_approvals_title_length", $"char_length(title) BETWEEN 1 AND {ApprovalRules.TitleMaxLength}");
        });
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Title).HasMaxLength(ApprovalRules.TitleMaxLength);
        builder.Property(a => a.Description).HasMaxLength(ApprovalRules.TextMaxLength);
        builder.Property(a => a.Comment).HasMaxLength(ApprovalRules.TextMaxLength).HasDefaultValue("");
        builder.Property(a => a.Status).HasConversion<short>();
        builder.Property(a => a.PreviousStatus).HasConversion<short?>();
        builder.Property(a => a.OnDeadline).HasConversion<short?>();
        builder.Property(a => a.RemindBefore).HasDefaultValueSql("'{}'::text[]");
        builder.Property(a => a.CreatedBy).HasMaxLength(200);
        builder.Property(a => a.CreatedAt).HasDefaultValueSql("now()");
        builder.Property(a => a.UpdatedAt).HasDefaultValueSql("now()").ValueGeneratedOnAddOrUpdate();
        builder.Property(a => a.Version).IsConcurrencyToken();
        builder.OwnsOne(a => a.LastError, e => e.ToJson("last_error"));
        builder.Property(a => a.Stages).HasColumnType("jsonb");
        builder.Property(a => a.Votes).HasColumnType("jsonb");
        builder.Property(a => a.Escalation).HasColumnType("jsonb");

        // Who may vote now: the inbox looks approvals up by the caller's seats.
        builder.HasIndex(a => a.OpenSeats).HasMethod("gin").HasFilter("open_seats IS NOT NULL");

        // The inbox's first pages when most of what is open waits for the caller: a walk in deadline order over the
        // approvals that take votes, which stops after a page (Sql/ApprovalsInbox.sql).
        builder.HasIndex(a => new { a.Deadline, a.Id }, "ix_approvals_voting_deadline_id").HasDatabaseName("ix_approvals_voting_deadline_id").HasFilter("open_seats IS NOT NULL");

        builder.HasMany(a => a.ServiceRules).WithOne().HasForeignKey(r => r.ApprovalId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(a => a.DeliveryJobs).WithOne().HasForeignKey(j => j.ApprovalId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(a => a.Timers).WithOne().HasForeignKey(t => t.ApprovalId).OnDelete(DeleteBehavior.Cascade);

        // Keyset pagination and the legacy list order by (deadline, id) or (created_at, id).
        builder.HasIndex(a => new { a.Status, a.Deadline, a.Id });
        builder.HasIndex(a => new { a.Deadline, a.Id });
        builder.HasIndex(a => new { a.CreatedAt, a.Id });

        // A requester reads only their own (and "My requests" is everyone's own): those first, newest first, rather than
        // walking everyone's approvals in date order for the few that are theirs.
        builder.HasIndex(a => new { a.CreatedBy, a.CreatedAt, a.Id });
    }
}
