using System;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <summary>
    /// Deadlines that act: an approval's own <c>on_deadline</c> and its <c>remind_before</c>, a service rule's default
    /// <c>on_deadline</c>, and the durable timers (<c>approval_timers</c>) that the timer loops fire. Approvals PENDING
    /// with a deadline ahead get their deadline timer, as new ones do, so that a default a rule is given later applies
    /// to them too.
    /// </summary>
    public partial class DeadlineTimers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<short>(
                name: "on_deadline",
                table: "service_rules",
                type: "smallint",
                nullable: true);

            migrationBuilder.AddColumn<short>(
                name: "on_deadline",
                table: "approvals",
                type: "smallint",
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "remind_before",
                table: "approvals",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'::text[]");

            migrationBuilder.CreateTable(
                name: "approval_timers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    approval_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<short>(type: "smallint", nullable: false),
                    due_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    deadline = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    before_deadline = table.Column<TimeSpan>(type: "interval", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_approval_timers", x => x.id);
                    table.ForeignKey(
                        name: "fk_approval_timers_approvals_approval_id",
                        column: x => x.approval_id,
                        principalTable: "approvals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_approval_timers_approval_id_kind_deadline_before_deadline",
                table: "approval_timers",
                columns: new[] { "approval_id", "kind", "deadline", "before_deadline" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_approval_timers_due_at",
                table: "approval_timers",
                column: "due_at");

            // No query filters on the reminders' texts (see ColumnsWithoutPlannerStatistics); the approvals waiting for
            // a decision get the deadline timer a new one gets, so that a rule's default applies to them as well.
            migrationBuilder.Sql($"""
                ALTER TABLE approvals ALTER COLUMN remind_before SET STATISTICS 0;

                INSERT INTO approval_timers (id, approval_id, kind, due_at, deadline, before_deadline)
                SELECT gen_random_uuid(), a.id, {(short)TimerKind.Deadline}, a.deadline, a.deadline, interval '0'
                FROM approvals AS a
                WHERE a.status = {(short)ApprovalStatus.Pending} AND a.deadline > now();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "approval_timers");

            migrationBuilder.DropColumn(
                name: "on_deadline",
                table: "service_rules");

            migrationBuilder.DropColumn(
                name: "on_deadline",
                table: "approvals");

            migrationBuilder.DropColumn(
                name: "remind_before",
                table: "approvals");
        }
    }
}
