using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Api.Persistence.Data.Migrations
{
    /// <summary>
    /// No planner statistics for columns no query filters, joins or sorts on: the stored responses, change sets, error
    /// texts and free text. Autoanalyze spent most of its time on them, sorting wide JSON and text values to build
    /// histograms nothing reads (0.23 of 0.41 s for 200,000 history rows; the tables that grow with every
    /// decision are analyzed again every few ten thousand decisions), and did it in bursts that took a core from the
    /// requests (docs/benchmarks.md). Statistics target 0 keeps the column out of ANALYZE; the planner falls back to
    /// its defaults for it, which no query needs.
    /// </summary>
    public partial class ColumnsWithoutPlannerStatistics : Migration
    {
        private static readonly (string Table, string[] Columns)[] Unfiltered =
        [
            ("approvals", ["description", "comment", "last_error"]),
            ("approval_history", ["changes", "correlation_id"]),
            ("delivery_jobs", ["last_error"]),
            ("delivery_attempts", ["error", "response_excerpt"]),
            ("idempotency_keys", ["request_hash", "response_body", "location", "e_tag"]),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => SetStatistics(migrationBuilder, 0);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => SetStatistics(migrationBuilder, -1);

        /// <param name="target">0: none; -1: the server's default_statistics_target.</param>
        private static void SetStatistics(MigrationBuilder migrationBuilder, int target)
        {
            foreach (var (table, columns) in Unfiltered)
            {
                var alterations = string.Join(", ", columns.Select(
                    column => $"ALTER COLUMN {column} SET STATISTICS {target}"));
                migrationBuilder.Sql($"ALTER TABLE {table} {alterations};");
            }
        }
    }
}
