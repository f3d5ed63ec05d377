using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <inheritdoc />
    public partial class ApprovalPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string[]>(
                name: "open_seats",
                table: "approvals",
                type: "text[]",
                nullable: true);

            migrationBuilder.AddColumn<short>(
                name: "open_stage",
                table: "approvals",
                type: "smallint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "stages",
                table: "approvals",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "votes",
                table: "approvals",
                type: "jsonb",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_approvals_open_seats",
                table: "approvals",
                column: "open_seats",
                filter: "open_seats IS NOT NULL")
                .Annotation("Npgsql:IndexMethod", "gin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_approvals_open_seats",
                table: "approvals");

            migrationBuilder.DropColumn(
                name: "open_seats",
                table: "approvals");

            migrationBuilder.DropColumn(
                name: "open_stage",
                table: "approvals");

            migrationBuilder.DropColumn(
                name: "stages",
                table: "approvals");

            migrationBuilder.DropColumn(
                name: "votes",
                table: "approvals");
        }
    }
}
