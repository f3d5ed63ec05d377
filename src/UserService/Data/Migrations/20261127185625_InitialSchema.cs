using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace UserService.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "user_service");

            migrationBuilder.CreateTable(
                name: "received_approvals",
                schema: "user_service",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<short>(type: "smallint", nullable: false),
                    first_received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_received_approvals", x => x.id);
                    table.CheckConstraint("ck_received_approvals_status", "status BETWEEN 3 AND 5");
                });

            migrationBuilder.CreateTable(
                name: "received_webhooks",
                schema: "user_service",
                columns: table => new
                {
                    webhook_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    approval_id = table.Column<Guid>(type: "uuid", nullable: false),
                    requested_status = table.Column<short>(type: "smallint", nullable: false),
                    first_received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    times_received = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_received_webhooks", x => x.webhook_id);
                    table.ForeignKey(
                        name: "fk_received_webhooks_received_approvals_approval_id",
                        column: x => x.approval_id,
                        principalSchema: "user_service",
                        principalTable: "received_approvals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_received_webhooks_approval_id",
                schema: "user_service",
                table: "received_webhooks",
                column: "approval_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "received_webhooks",
                schema: "user_service");

            migrationBuilder.DropTable(
                name: "received_approvals",
                schema: "user_service");
        }
    }
}
