using Approvals.Domain;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryDueIndexPendingOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_delivery_jobs_due",
                table: "delivery_jobs");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_jobs_due",
                table: "delivery_jobs",
                column: "next_attempt_at",
                filter: $"state = {(short)DeliveryState.Pending}");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_delivery_jobs_due",
                table: "delivery_jobs");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_jobs_due",
                table: "delivery_jobs",
                column: "next_attempt_at",
                filter: $"state IN ({(short)DeliveryState.Pending}, {(short)DeliveryState.Sending})");
        }
    }
}
