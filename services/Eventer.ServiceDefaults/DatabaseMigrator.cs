using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary>
/// Applies a context's EF Core migrations when the service starts, before the services registered
/// after it (the bus, the watcher) start. Replicas starting together on a fresh database take
/// turns under a PostgreSQL advisory lock (EF's own lock still let two apply the same migration).
/// A database that cannot be reached or migrated stops the service with one line naming
/// <c>ConnectionStrings:postgres</c> and the database's own reason.
/// </summary>
public sealed class DatabaseMigrator<TContext>(IServiceScopeFactory scopes, ILogger<DatabaseMigrator<TContext>> logger) : IHostedService
    where TContext : DbContext
{
    /// <summary>One lock per context, shared with <see cref="ScriptMigrator"/>.</summary>
    private static readonly long LockKey = MigrationLock.KeyFor(typeof(TContext).FullName!);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        try
        {
            // Held on a connection of its own; a replica that dies releases it with its session.
            await using var turn = new NpgsqlConnection(db.Database.GetConnectionString());
            await turn.OpenAsync(cancellationToken);
            await ExecuteAsync(turn, "SELECT pg_advisory_lock($1)", cancellationToken);
            try
            {
                var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
                await db.Database.MigrateAsync(cancellationToken);
                logger.LogInformation("Database of {Context} ready; applied {MigrationCount} migration(s)", typeof(TContext).Name, pending.Count);
            }
            finally
            {
                // Explicitly: a pooled connection keeps its session, and the lock, until it is used again.
                await ExecuteAsync(turn, "SELECT pg_advisory_unlock($1)", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new EventerConfigurationException(PostgresConnection.Key, $"migrating the database failed: {ex.GetBaseException().Message}");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = LockKey });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registration of <see cref="DatabaseMigrator{TContext}"/>, and EF Core settings every service shares.</summary>
public static class DatabaseMigratorExtensions
{
    /// <summary>
    /// Logs failed commands at Debug instead of Error: the first migration probes a history table
    /// that does not exist yet, and the archive's duplicate insert is the normal answer to a
    /// redelivery. Neither is worth an error line; real failures still throw and are logged there.
    /// </summary>
    public static DbContextOptionsBuilder LogFailedCommandsAtDebug(this DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log((Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandError, LogLevel.Debug)));

    /// <summary>
    /// Migrates <typeparamref name="TContext"/> at start. Register it before the bus and any
    /// background service that uses the database: hosted services start in registration order.
    /// </summary>
    public static IServiceCollection AddMigrationAtStart<TContext>(this IServiceCollection services)
        where TContext : DbContext =>
        services.AddHostedService<DatabaseMigrator<TContext>>();
}
