using Eventer.Notifications;
using Eventer.Notifications.Persistence;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Eventer.DingTalkNotifier.Tests.Persistence;

/// <summary>The delivery core's migrations, applied per sink's schema.</summary>
[Trait("Category", "Integration")]
public sealed class MigrationTests
{
    [Fact]
    public async Task A_database_of_the_notifier_before_the_core_keeps_its_rows_and_inbox()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("dingtalk");
        await using (var context = DeliveryDbContext.Create(database, NotifierHost.Sink))
        {
            // The schema as the DingTalk notifier left it, with one alert sent to robot "ops".
            await context.Database.GetService<IMigrator>().MigrateAsync("20261129231955_DispatcherLease");
        }

        await ExecuteAsync(database, """
            INSERT INTO dingtalk.alerts (message_id, robot, route, fold_key, last_seen, received_at, mentions, event, sent_at, disposition)
            VALUES ('6f1c1a6e-0000-5000-8000-000000000001', 'ops', 'default', 'k', now(), now(), '{}', '{}', now(), 'single')
            """);

        await NotifierDatabase.MigrateAsync(database);

        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM dingtalk.alerts WHERE target = 'ops' AND sent_at IS NOT NULL"));
        // Still the inbox: the same message for the same robot cannot be added again.
        var again = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(database, """
            INSERT INTO dingtalk.alerts (message_id, target, route, fold_key, last_seen, received_at, mentions, event)
            VALUES ('6f1c1a6e-0000-5000-8000-000000000001', 'ops', 'default', 'k', now(), now(), '{}', '{}')
            """));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, again.SqlState);
    }

    [Fact]
    public async Task Another_sink_gets_the_same_tables_in_its_own_schema_only()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("webhook");
        var sink = new DeliverySink("webhook", "Eventer.WebhookNotifier", "webhook");
        await using (var context = DeliveryDbContext.Create(database, sink))
        {
            await context.Database.MigrateAsync();
        }

        var tables = await ScalarAsync(database,
            "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_schema, table_name) FROM information_schema.tables WHERE table_schema IN ('webhook', 'dingtalk')");
        Assert.Equal("webhook.__EFMigrationsHistory,webhook.alerts,webhook.leases", tables);
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
