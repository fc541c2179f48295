using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary>
/// A context's EF Core migrations as the idempotent SQL script <c>dotnet ef migrations script
/// --idempotent</c> writes, embedded in the service. <paramref name="Context"/> is the context's
/// full type name (it names the migration lock); <paramref name="Schema"/> the schema the script
/// makes, whose <c>__EFMigrationsHistory</c> records what was applied.
/// </summary>
public sealed record MigrationScript(string Context, string Schema, string Sql)
{
    /// <summary>The SQL name of the migration history table, kept in the schema as every service keeps it.</summary>
    public string HistoryTable => $"{Schema}.\"__EFMigrationsHistory\"";

    /// <summary>Reads the script from an embedded resource of <paramref name="assembly"/>.</summary>
    public static MigrationScript FromResource(Assembly assembly, string resource, string context, string schema)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} embeds no resource '{resource}'");
        using var reader = new StreamReader(stream);
        return new MigrationScript(context, schema, reader.ReadToEnd());
    }
}

/// <summary>
/// Applies a <see cref="MigrationScript"/> when the service starts, with Npgsql alone, under the
/// same <see cref="MigrationLock"/> as <see cref="DatabaseMigrator{TContext}"/> (so a replica of an
/// older version, migrating through EF Core, takes turns with it). For a service whose running code
/// never uses EF Core: migrating through EF Core loads and compiles it, and the process keeps that
/// memory (30 MB of the collector's 165 MB when idle, measured).
/// </summary>
public sealed class ScriptMigrator(NpgsqlDataSource database, MigrationScript script, ILogger<ScriptMigrator> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        MigrationLock.MigrateAsync(database.CreateConnection, script.Context, async connection =>
        {
            var before = await AppliedAsync(connection, cancellationToken);
            await using (var command = new NpgsqlCommand(script.Sql, connection))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            var applied = await AppliedAsync(connection, cancellationToken) - before;
            logger.LogInformation("Database of {Context} ready; applied {MigrationCount} migration(s)", script.Context, applied);
        }, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Migrations recorded in the history table; none before the table exists.</summary>
    private async Task<long> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = script.HistoryTable });
        if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return 0;
        }

        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {script.HistoryTable}", connection);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>Registration of a database whose schema is a <see cref="MigrationScript"/>.</summary>
public static class ScriptMigratorExtensions
{
    /// <summary>
    /// A PostgreSQL database (<c>ConnectionStrings:postgres</c>) used through an
    /// <see cref="NpgsqlDataSource"/>, its schema applied at start from <paramref name="script"/> (one
    /// replica at a time), and a <c>database</c> readiness check; no EF Core in the process. Register
    /// it before the bus and any background service that uses the database: hosted services start in
    /// registration order.
    /// </summary>
    public static IHostApplicationBuilder AddScriptedDatabase(this IHostApplicationBuilder builder, MigrationScript script)
    {
        var postgres = PostgresConnection.Read(builder.Configuration);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("database", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddHostedService(sp => new ScriptMigrator(
            sp.GetRequiredService<NpgsqlDataSource>(), script, sp.GetRequiredService<ILogger<ScriptMigrator>>()));
        return builder;
    }
}
