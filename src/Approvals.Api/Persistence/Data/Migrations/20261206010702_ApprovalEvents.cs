using System;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <summary>
    /// Approval events replace the history table: every history row moves to approval_events as the event it
    /// recorded (same id as its position, sequence 1, 2, 3, … per approval in id order, the action mapped to its event
    /// type, the statuses by name), and the new table is append-only like the old one. Status numbers and names come
    /// from the domain's enum (<see cref="ApprovalEventMigrationSql"/>), never from literals.
    /// </summary>
    public partial class ApprovalEvents : Migration
    {
        private static string CopyHistorySql => ApprovalEventMigrationSql.CopyHistoryToEvents;

        private static string CopyEventsBackSql => ApprovalEventMigrationSql.CopyEventsToHistory;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "approval_events",
                columns: table => new
                {
                    position = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    approval_id = table.Column<Guid>(type: "uuid", nullable: false),
                    sequence = table.Column<int>(type: "integer", nullable: false),
                    type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    correlation_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    data = table.Column<JsonDocument>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_approval_events", x => x.position);
                    table.ForeignKey(
                        name: "fk_approval_events_approvals_approval_id",
                        column: x => x.approval_id,
                        principalTable: "approvals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_approval_events_approval_id_sequence",
                table: "approval_events",
                columns: new[] { "approval_id", "sequence" },
                unique: true);

            migrationBuilder.Sql($"""
                ALTER TABLE approval_events ADD COLUMN transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id();
                CREATE INDEX ix_approval_events_transaction_id_position ON approval_events (transaction_id, position);
                CREATE INDEX ix_approval_events_occurred_at ON approval_events (occurred_at);
                ALTER TABLE approval_events ALTER COLUMN data SET STATISTICS 0;
                ALTER TABLE approval_events ALTER COLUMN correlation_id SET STATISTICS 0;

                {CopyHistorySql}

                SELECT setval(pg_get_serial_sequence('approval_events', 'position'),
                              greatest((SELECT max(position) FROM approval_events), 1));

                -- The approval's version is the sequence of its last event from now on.
                UPDATE approvals AS a SET version = e.last_sequence
                FROM (SELECT approval_id, max(sequence) AS last_sequence FROM approval_events GROUP BY approval_id) AS e
                WHERE e.approval_id = a.id AND a.version <> e.last_sequence;

                CREATE FUNCTION reject_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'approval_events is append-only (% refused)', TG_OP
                        USING ERRCODE = 'insufficient_privilege';
                END;
                $$;

                CREATE TRIGGER trg_approval_events_append_only BEFORE UPDATE OR DELETE ON approval_events
                    FOR EACH ROW EXECUTE FUNCTION reject_event_change();
                CREATE TRIGGER trg_approval_events_no_truncate BEFORE TRUNCATE ON approval_events
                    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();
                """);

            migrationBuilder.DropTable(
                name: "approval_history");
            migrationBuilder.Sql("DROP FUNCTION reject_history_change();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.CreateTable(
                name: "approval_history",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    action = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    approval_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    changes = table.Column<JsonDocument>(type: "jsonb", nullable: true),
                    correlation_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    from_status = table.Column<short>(type: "smallint", nullable: true),
                    to_status = table.Column<short>(type: "smallint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_approval_history", x => x.id);
                    table.ForeignKey(
                        name: "fk_approval_history_approvals_approval_id",
                        column: x => x.approval_id,
                        principalTable: "approvals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_approval_history_approval_id_id",
                table: "approval_history",
                columns: new[] { "approval_id", "id" });

            migrationBuilder.Sql($"""
                {CopyEventsBackSql}

                SELECT setval(pg_get_serial_sequence('approval_history', 'id'),
                              greatest((SELECT max(id) FROM approval_history), 1));

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
                ALTER TABLE approval_history ALTER COLUMN changes SET STATISTICS 0;
                ALTER TABLE approval_history ALTER COLUMN correlation_id SET STATISTICS 0;
                """);

            migrationBuilder.Sql("DROP TABLE approval_events; DROP FUNCTION reject_event_change();");
        }
    }
}
