using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Eventer.Collector.Outbox.Migrations
{
    /// <inheritdoc />
    public partial class WatchHeartbeat : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "watch_state",
                schema: "collector",
                columns: table => new
                {
                    cluster = table.Column<string>(type: "text", nullable: false),
                    last_watching_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_watch_state", x => x.cluster);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "watch_state",
                schema: "collector");
        }
    }
}
