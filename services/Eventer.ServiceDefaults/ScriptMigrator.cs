using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary>
/// A context's EF Core migrations as the idempotent SQL script <c>dotnet ef migrations script
/// --idempotent</c> writes, embedded in the service. <paramref name="Context"/> is the context's
/// full type name (it names the migration lock); <paramref name="HistoryTable"/> the SQL name of its
/// migration history table.
/// </summary>
public sealed record MigrationScript(string Context, string HistoryTable, string Sql)
{
    /// <summary>Reads the script from an embedded resource of <paramref name="assembly"/>.</summary>
    public static MigrationScript FromResource(Assembly assembly, string resource, string context, string historyTable)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} embeds no resource '{resource}'");
        using var reader = new StreamReader(stream);
        return new MigrationScript(context, historyTable, reader.ReadToEnd());
    }
}

/// <summary>
/// Applies a <see cref="MigrationScript"/> when the service starts, with Npgsql alone, one replica
/// at a time under the same advisory lock as <see cref="DatabaseMigrator{TContext}"/> (so a replica
/// of an older version, migrating through EF Core, takes turns with it). For a service whose running
/// code never uses EF Core: migrating through EF Core loads and compiles it, and the process keeps
/// that memory (30 MB of the collector's 165 MB when idle, measured). A database that cannot be
/// reached or migrated stops the service as <see cref="DatabaseMigrator{TContext}"/> does.
/// </summary>
public sealed class ScriptMigrator(NpgsqlDataSource database, MigrationScript script, ILogger<ScriptMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await ExecuteAsync(connection, "SELECT pg_advisory_lock($1)", cancellationToken);
            try
            {
                var before = await AppliedAsync(connection, cancellationToken);
                await using (var command = new NpgsqlCommand(script.Sql, connection))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                var applied = await AppliedAsync(connection, cancellationToken) - before;
                logger.LogInformation("Database of {Context} ready; applied {MigrationCount} migration(s)", script.Context, applied);
            }
            finally
            {
                // Explicitly: a pooled connection keeps its session, and the lock, until it is used again.
                await ExecuteAsync(connection, "SELECT pg_advisory_unlock($1)", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new EventerConfigurationException(PostgresConnection.Key, $"migrating the database failed: {ex.GetBaseException().Message}");
        }
    }

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

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = MigrationLock.KeyFor(script.Context) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The advisory lock replicas take turns under to migrate one context's schema.</summary>
public static class MigrationLock
{
    /// <summary>FNV-1a of the context's full type name: string hashes differ from process to process.</summary>
    public static long KeyFor(string context) =>
        context.Aggregate(unchecked((long)0xcbf29ce484222325), (hash, c) => unchecked((hash ^ c) * 0x100000001b3));
}

/// <summary>Registration of <see cref="ScriptMigrator"/>.</summary>
public static class ScriptMigratorExtensions
{
    /// <summary>
    /// Applies <paramref name="script"/> at start, over the registered <see cref="NpgsqlDataSource"/>.
    /// Register it before the bus and any background service that uses the database: hosted
    /// services start in registration order.
    /// </summary>
    public static IServiceCollection AddScriptMigrationAtStart(this IServiceCollection services, MigrationScript script) =>
        services.AddHostedService(sp => new ScriptMigrator(
            sp.GetRequiredService<NpgsqlDataSource>(), script, sp.GetRequiredService<ILogger<ScriptMigrator>>()));
}
