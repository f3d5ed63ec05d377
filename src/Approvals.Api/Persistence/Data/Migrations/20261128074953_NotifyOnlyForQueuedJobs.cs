using Approvals.Domain;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <summary>
    /// The delivery_jobs notification fires only when an insert queues a job for a claim. A decision that hands its
    /// jobs to its own process's dispatcher writes them already leased (Delivery/DeliveryHandOff.cs): waking every
    /// dispatcher for them only made each run a claim that found nothing, and the NOTIFY itself serialises commits.
    /// </summary>
    public partial class NotifyOnlyForQueuedJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($$$"""
                DROP TRIGGER trg_delivery_jobs_notify ON delivery_jobs;

                CREATE OR REPLACE FUNCTION notify_delivery_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM inserted_jobs WHERE state = {{{(short)DeliveryState.Pending}}}) THEN
                        PERFORM pg_notify('delivery_jobs', '');
                    END IF;
                    RETURN NULL;
                END;
                $$;

                CREATE TRIGGER trg_delivery_jobs_notify AFTER INSERT ON delivery_jobs
                    REFERENCING NEW TABLE AS inserted_jobs
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_delivery_jobs();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER trg_delivery_jobs_notify ON delivery_jobs;

                CREATE OR REPLACE FUNCTION notify_delivery_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('delivery_jobs', '');
                    RETURN NULL;
                END;
                $$;

                CREATE TRIGGER trg_delivery_jobs_notify AFTER INSERT ON delivery_jobs
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_delivery_jobs();
                """);
        }
    }
}
