using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Eventer.Archive.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialArchive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "archive");

            migrationBuilder.CreateTable(
                name: "occurrences",
                schema: "archive",
                columns: table => new
                {
                    occurrence_key = table.Column<string>(type: "text", nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: false),
                    cluster = table.Column<string>(type: "text", nullable: false),
                    event_uid = table.Column<string>(type: "text", nullable: false),
                    event_namespace = table.Column<string>(type: "text", nullable: false),
                    event_name = table.Column<string>(type: "text", nullable: false),
                    event_resource_version = table.Column<string>(type: "text", nullable: false),
                    occurrence = table.Column<int>(type: "integer", nullable: false),
                    type = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    message = table.Column<string>(type: "text", nullable: false),
                    action = table.Column<string>(type: "text", nullable: false),
                    involved_kind = table.Column<string>(type: "text", nullable: false),
                    involved_namespace = table.Column<string>(type: "text", nullable: false),
                    involved_name = table.Column<string>(type: "text", nullable: false),
                    involved_uid = table.Column<string>(type: "text", nullable: false),
                    involved_api_version = table.Column<string>(type: "text", nullable: false),
                    involved_field_path = table.Column<string>(type: "text", nullable: false),
                    involved_resource_version = table.Column<string>(type: "text", nullable: false),
                    related = table.Column<string>(type: "jsonb", nullable: true),
                    source_component = table.Column<string>(type: "text", nullable: false),
                    source_host = table.Column<string>(type: "text", nullable: false),
                    reporting_controller = table.Column<string>(type: "text", nullable: false),
                    reporting_instance = table.Column<string>(type: "text", nullable: false),
                    first_timestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_timestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    event_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    count = table.Column<int>(type: "integer", nullable: true),
                    series_count = table.Column<int>(type: "integer", nullable: true),
                    series_last_observed_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    labels = table.Column<string>(type: "jsonb", nullable: false),
                    annotations = table.Column<string>(type: "jsonb", nullable: false),
                    source_api = table.Column<string>(type: "text", nullable: false),
                    observed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    stored_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_occurrences", x => x.occurrence_key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_occurrences_cluster_event_uid",
                schema: "archive",
                table: "occurrences",
                columns: new[] { "cluster", "event_uid" });

            migrationBuilder.CreateIndex(
                name: "IX_occurrences_last_timestamp",
                schema: "archive",
                table: "occurrences",
                column: "last_timestamp");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "occurrences",
                schema: "archive");
        }
    }
}
