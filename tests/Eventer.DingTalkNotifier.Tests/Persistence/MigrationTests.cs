using Eventer.Notifications;
using Eventer.Notifications.Persistence;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
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

    [Theory]
    [InlineData("dingtalk")]
    [InlineData("webhook")]
    public async Task Each_sink_s_script_is_what_EF_Core_generates_for_its_schema_and_makes_the_same_schema(string schema)
    {
        var sink = new DeliverySink(schema, "Eventer.Test", schema);
        await using (var context = DeliveryDbContext.Create("Host=localhost;Database=unused", sink))
        {
            // Fails after a new migration until the script is written again (the command is in DeliverySchema's summary).
            var generated = context.Database.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
            Assert.Equal(Normalized(generated), Normalized(DeliverySchema.For(sink).Sql));
        }

        var server = await PostgresServer.GetAsync();
        var byEf = await server.CreateDatabaseAsync("schema-ef");
        var byScript = await server.CreateDatabaseAsync("schema-sql");
        await using (var context = DeliveryDbContext.Create(byEf, sink))
        {
            await context.Database.MigrateAsync();
        }

        await using (var source = NpgsqlDataSource.Create(byScript))
        {
            await new ScriptMigrator(source, DeliverySchema.For(sink), NullLogger<ScriptMigrator>.Instance).StartAsync(CancellationToken.None);
        }

        var expected = await PostgresSchema.DescribeAsync(byEf, schema);
        Assert.Contains(expected, line => line.StartsWith("column alerts.", StringComparison.Ordinal)); // the dump sees the tables
        Assert.Equal(expected, await PostgresSchema.DescribeAsync(byScript, schema));
        await using var migrated = DeliveryDbContext.Create(byScript, sink);
        Assert.Empty(await migrated.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public void The_lock_is_named_after_the_context_as_EF_Core_migrating_replicas_name_it() =>
        Assert.Equal(DeliverySchema.Context, typeof(DeliveryDbContext).FullName);

    [Theory]
    [InlineData("Ops")]
    [InlineData("ops-team")]
    [InlineData("1ops")]
    [InlineData("")]
    public void A_schema_EF_Core_would_quote_is_refused_rather_than_migrated_differently(string schema)
    {
        var refused = Assert.Throws<ArgumentException>(() => DeliverySchema.For(new DeliverySink(schema, "Eventer.Test", "test")));
        Assert.Contains($"'{schema}'", refused.Message);
    }

    private static string Normalized(string script) => script.Trim('\uFEFF', '\n', '\r', ' ').ReplaceLineEndings("\n");

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
