using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Eventer.ServiceDefaults;

/// <summary>
/// Applies a context's EF Core migrations when the service starts, before the services registered
/// after it (the bus, the watcher) start, under <see cref="MigrationLock"/> (EF's own lock still let
/// two replicas apply the same migration).
/// </summary>
public sealed class DatabaseMigrator<TContext>(IServiceScopeFactory scopes, ILogger<DatabaseMigrator<TContext>> logger) : IHostedService
    where TContext : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await MigrationLock.MigrateAsync(() => new NpgsqlConnection(db.Database.GetConnectionString()), typeof(TContext).FullName!, async _ =>
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            logger.LogInformation("Database of {Context} ready; applied {MigrationCount} migration(s)", typeof(TContext).Name, pending.Count);
        }, cancellationToken);
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
