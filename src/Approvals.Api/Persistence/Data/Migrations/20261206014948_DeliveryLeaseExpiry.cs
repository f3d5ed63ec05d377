using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <summary>
    /// When a delivery job's lease runs out, written once: the dispatcher's claim (DeliveryJobsClaim.sql) and a
    /// decision's hand-off (DeliveryJobsInsert.sql) both lease a job until then. A lease is never shorter than the
    /// service rule's timeout plus a margin, so a slow answer still counts. STABLE, as the timestamp arithmetic it
    /// wraps, so that the planner inlines it.
    /// </summary>
    public partial class DeliveryLeaseExpiry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION delivery_lease_expiry(leased_at timestamptz, lease interval, timeout_seconds int, margin interval)
                    RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
                    RETURN leased_at + greatest(lease, make_interval(secs => timeout_seconds) + margin);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION delivery_lease_expiry(timestamptz, interval, int, interval);");
        }
    }
}
