using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <summary>
    /// Behaviour the database enforces itself, whoever writes to it: updated_at on every update (as the original
    /// did), an append-only history, and a NOTIFY when delivery jobs are queued so dispatchers wake at once.
    /// </summary>
    public partial class DatabaseTriggers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.updated_at := now();
                    RETURN NEW;
                END;
                $$;

                CREATE TRIGGER trg_approvals_updated_at BEFORE UPDATE ON approvals
                    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
                CREATE TRIGGER trg_service_rules_updated_at BEFORE UPDATE ON service_rules
                    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

                CREATE FUNCTION reject_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'approval_history is append-only (% refused)', TG_OP
                        USING ERRCODE = 'insufficient_privilege';
                END;
                $$;

                CREATE TRIGGER trg_approval_history_append_only BEFORE UPDATE OR DELETE ON approval_history
                    FOR EACH ROW EXECUTE FUNCTION reject_history_change();
                CREATE TRIGGER trg_approval_history_no_truncate BEFORE TRUNCATE ON approval_history
                    FOR EACH STATEMENT EXECUTE FUNCTION reject_history_change();

                CREATE FUNCTION notify_delivery_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('delivery_jobs', '');
                    RETURN NULL;
                END;
                $$;

                CREATE TRIGGER trg_delivery_jobs_notify AFTER INSERT ON delivery_jobs
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_delivery_jobs();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER trg_delivery_jobs_notify ON delivery_jobs;
                DROP FUNCTION notify_delivery_jobs();
                DROP TRIGGER trg_approval_history_no_truncate ON approval_history;
                DROP TRIGGER trg_approval_history_append_only ON approval_history;
                DROP FUNCTION reject_history_change();
                DROP TRIGGER trg_service_rules_updated_at ON service_rules;
                DROP TRIGGER trg_approvals_updated_at ON approvals;
                DROP FUNCTION set_updated_at();
                """);
        }
    }
}
