using System;
using Approvals.Domain;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <summary>
    /// The RabbitMQ transport's relay checkpoint (how far the event stream is published; xid8 like the events' own
    /// transaction_id, which EF Core does not map), and the delivery_jobs notification made switchable per session:
    /// broker-mode processes connect with <c>approvals.notify_delivery_jobs=off</c>, since no dispatcher listens
    /// there and each NOTIFY serialises the commits that send one.
    /// </summary>
    public partial class EventRelay : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "event_relay_checkpoints",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    position = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_relay_checkpoints", x => x.name);
                });

            migrationBuilder.Sql($$$"""
                ALTER TABLE event_relay_checkpoints ADD COLUMN transaction_id xid8 NOT NULL;

                CREATE OR REPLACE FUNCTION notify_delivery_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF current_setting('approvals.notify_delivery_jobs', true) IS DISTINCT FROM 'off'
                       AND EXISTS (SELECT 1 FROM inserted_jobs WHERE state = {{{(short)DeliveryState.Pending}}}) THEN
                        PERFORM pg_notify('delivery_jobs', '');
                    END IF;
                    RETURN NULL;
                END;
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($$$"""
                CREATE OR REPLACE FUNCTION notify_delivery_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM inserted_jobs WHERE state = {{{(short)DeliveryState.Pending}}}) THEN
                        PERFORM pg_notify('delivery_jobs', '');
                    END IF;
                    RETURN NULL;
                END;
                $$;
                """);

            migrationBuilder.DropTable(
                name: "event_relay_checkpoints");
        }
    }
}
