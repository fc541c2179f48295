using Eventer.ServiceDefaults;
using Microsoft.EntityFrameworkCore;

namespace Eventer.Archive.Persistence;

/// <summary>
/// Applies the EF Core migrations when the service starts, before the bus starts consuming; a
/// database that cannot be reached or migrated stops the service with one line saying why.
/// </summary>
public sealed class ArchiveMigrator(IServiceScopeFactory scopes, ILogger<ArchiveMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            logger.LogInformation("Archive database ready; applied {MigrationCount} migration(s)", pending.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new EventerConfigurationException(PostgresConnection.Key, $"migrating the archive database failed: {ex.GetBaseException().Message}");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
