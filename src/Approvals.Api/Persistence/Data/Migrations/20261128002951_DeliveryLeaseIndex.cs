using Approvals.Domain;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryLeaseIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_delivery_jobs_leased",
                table: "delivery_jobs",
                column: "lease_expires_at",
                filter: $"state = {(short)DeliveryState.Sending}");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_delivery_jobs_leased",
                table: "delivery_jobs");
        }
    }
}
