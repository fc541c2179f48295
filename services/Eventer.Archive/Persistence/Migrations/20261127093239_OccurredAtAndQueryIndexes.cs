using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Eventer.Archive.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OccurredAtAndQueryIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_occurrences_last_timestamp",
                schema: "archive",
                table: "occurrences");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "occurred_at",
                schema: "archive",
                table: "occurrences",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            // Rows stored before this column existed get the time their event carries.
            migrationBuilder.Sql("UPDATE archive.occurrences SET occurred_at = coalesce(series_last_observed_time, last_timestamp, event_time, observed_at);");


            migrationBuilder.CreateIndex(
                name: "IX_occurrences_event_namespace_occurred_at",
                schema: "archive",
                table: "occurrences",
                columns: new[] { "event_namespace", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_occurrences_involved_kind_involved_name",
                schema: "archive",
                table: "occurrences",
                columns: new[] { "involved_kind", "involved_name" });

            migrationBuilder.CreateIndex(
                name: "IX_occurrences_occurred_at_occurrence_key",
                schema: "archive",
                table: "occurrences",
                columns: new[] { "occurred_at", "occurrence_key" },
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "IX_occurrences_reason_occurred_at",
                schema: "archive",
                table: "occurrences",
                columns: new[] { "reason", "occurred_at" });

            migrationBuilder.Sql("""
                CREATE VIEW archive.latest_events AS
                SELECT DISTINCT ON (cluster, event_uid) *
                FROM archive.occurrences
                ORDER BY cluster, event_uid, occurrence DESC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP VIEW IF EXISTS archive.latest_events;");

            migrationBuilder.DropIndex(
                name: "IX_occurrences_event_namespace_occurred_at",
                schema: "archive",
                table: "occurrences");

            migrationBuilder.DropIndex(
                name: "IX_occurrences_involved_kind_involved_name",
                schema: "archive",
                table: "occurrences");

            migrationBuilder.DropIndex(
                name: "IX_occurrences_occurred_at_occurrence_key",
                schema: "archive",
                table: "occurrences");

            migrationBuilder.DropIndex(
                name: "IX_occurrences_reason_occurred_at",
                schema: "archive",
                table: "occurrences");

            migrationBuilder.DropColumn(
                name: "occurred_at",
                schema: "archive",
                table: "occurrences");

            migrationBuilder.CreateIndex(
                name: "IX_occurrences_last_timestamp",
                schema: "archive",
                table: "occurrences",
                column: "last_timestamp");
        }
    }
}
