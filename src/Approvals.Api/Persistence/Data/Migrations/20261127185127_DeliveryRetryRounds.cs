using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryRetryRounds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "last_error_code",
                table: "delivery_jobs",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "schedule_step",
                table: "delivery_jobs",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "last_error_code",
                table: "delivery_jobs");

            migrationBuilder.DropColumn(
                name: "schedule_step",
                table: "delivery_jobs");
        }
    }
}
