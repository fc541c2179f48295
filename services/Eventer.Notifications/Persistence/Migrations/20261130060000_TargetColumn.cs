using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Eventer.Notifications.Persistence.Migrations
{
    /// <summary>
    /// The pending/inbox table moved from the DingTalk notifier into the delivery core, where a row
    /// is for a target (a robot, a webhook): the column says so. Rows of an existing DingTalk
    /// database keep their ids and sent marks, so its inbox still holds.
    /// </summary>
    public partial class TargetColumn(string schema) : Migration
    {
        // The sink's schema: every notifier on the core has its own (see SchemaMigrationsAssembly).
        private readonly string _schema = schema;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(name: "robot", schema: _schema, table: "alerts", newName: "target");
            migrationBuilder.RenameIndex(name: "IX_alerts_message_id_robot", schema: _schema, table: "alerts", newName: "IX_alerts_message_id_target");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameIndex(name: "IX_alerts_message_id_target", schema: _schema, table: "alerts", newName: "IX_alerts_message_id_robot");
            migrationBuilder.RenameColumn(name: "target", schema: _schema, table: "alerts", newName: "robot");
        }
    }
}
