using System.Text.RegularExpressions;
using Eventer.Archive.Persistence;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Eventer.Deploy.Tests.Compose;

/// <summary>
/// The events dashboard's SQL runs against the archive's real schema (its EF migrations, applied to
/// a real PostgreSQL), logged in as the read-only role compose gives Grafana — so a renamed column,
/// a missing grant or a macro this test does not know fails here, not in someone's Grafana.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DashboardSqlTests
{
    [Fact]
    public async Task Every_query_runs_on_the_migrated_archive_as_grafanas_read_only_role()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("deploy_dashboards");
        var options = new DbContextOptionsBuilder<ArchiveDbContext>()
            .UseNpgsql(connectionString, o => o.MigrationsHistoryTable("__EFMigrationsHistory", ArchiveDbContext.Schema))
            .Options;

        // Roles are the server's, not the database's: this run gets its own name.
        var role = $"grafana_{Guid.NewGuid():N}"[..20];
        var script = await File.ReadAllTextAsync(RepositoryRoot.Combine("deploy", "compose", "postgres", "grafana-reader.sql"));
        Assert.Contains("CREATE ROLE grafana ", script);
        await ExecuteAsync(connectionString, RoleName().Replace(script, role));
        try
        {
            // As in compose: the role's grants exist before the archive's first start migrates.
            await using (var db = new ArchiveDbContext(options))
            {
                await db.Database.MigrateAsync();
            }

            await ExecuteAsync(
                connectionString,
                """
                    INSERT INTO archive.occurrences (occurrence_key, message_id, cluster, event_uid, event_namespace, event_name, event_resource_version,
                        occurrence, type, reason, message, action, involved_kind, involved_namespace, involved_name, involved_uid, involved_api_version,
                        involved_field_path, involved_resource_version, source_component, source_host, reporting_controller, reporting_instance,
                        labels, annotations, source_api, occurred_at, observed_at, stored_at)
                    VALUES ('k3s/uid-1/1', gen_random_uuid(), 'k3s', 'uid-1', 'eventer-demo', 'crashloop.1', '1', 1, 'Warning', 'BackOff',
                        'Back-off restarting failed container', '', 'Pod', 'eventer-demo', 'crashloop-abc', 'pod-uid', 'v1', '', '1', 'kubelet', 'node',
                        '', '', '{}', '{}', 'core/v1', now() - interval '5 minutes', now(), now())
                """);

            var reader = new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = "grafana", Pooling = false }.ConnectionString;
            var queries = Dashboards.All().Values.SelectMany(Dashboards.Sql).ToList();
            Assert.True(queries.Count >= 6, $"only {queries.Count} SQL queries found");
            foreach (var query in queries)
            {
                var sql = AsGrafanaSends(query);
                await using var connection = new NpgsqlConnection(reader);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(sql, connection);
                try
                {
                    await using var result = await command.ExecuteReaderAsync();
                    Assert.True(await result.ReadAsync(), $"no row for the sample occurrence:\n{sql}");
                }
                catch (PostgresException ex)
                {
                    Assert.Fail($"{ex.SqlState} {ex.MessageText}\n{sql}");
                }
            }
        }
        finally
        {
            await ExecuteAsync(connectionString, $"DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }

    /// <summary>
    /// The query as Grafana's PostgreSQL datasource sends it for the last 6 hours, 1 minute intervals,
    /// "All" in every variable (allValue '%'). Anything Grafana would replace that is left fails the test.
    /// </summary>
    private static string AsGrafanaSends(string query)
    {
        var sql = TimeGroupAlias().Replace(query, m => $"floor(extract(epoch from {m.Groups[1].Value})/60)*60 AS \"time\"");
        sql = TimeFilter().Replace(sql, m => $"{m.Groups[1].Value} BETWEEN '{DateTime.UtcNow.AddHours(-6):O}' AND '{DateTime.UtcNow.AddMinutes(1):O}'");
        sql = sql.Replace("$cluster", "%", StringComparison.Ordinal).Replace("$type", "%", StringComparison.Ordinal);
        Assert.DoesNotContain("$", sql);
        return sql;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [GeneratedRegex(@"(?<=ROLE |TO )grafana\b")]
    private static partial Regex RoleName();

    [GeneratedRegex(@"\$__timeGroupAlias\(\s*([a-z_]+)\s*,[^)]*\)")]
    private static partial Regex TimeGroupAlias();

    [GeneratedRegex(@"\$__timeFilter\(\s*([a-z_]+)\s*\)")]
    private static partial Regex TimeFilter();
}
