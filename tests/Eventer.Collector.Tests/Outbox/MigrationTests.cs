using Eventer.Collector.Outbox;
using Eventer.ServiceDefaults;
using Eventer.Testing.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventer.Collector.Tests.Outbox;

[Trait("Category", "Integration")]
public sealed class MigrationTests
{
    [Fact]
    public async Task Replicas_starting_together_on_a_fresh_database_all_migrate_it()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("migrate");
        var replicas = Enumerable.Range(0, 4).Select(_ =>
        {
            var services = new ServiceCollection()
                .AddDbContext<CollectorDbContext>(o => o.UseNpgsql(database, CollectorDatabase.ConfigureNpgsql).LogFailedCommandsAtDebug())
                .BuildServiceProvider();
            return new DatabaseMigrator<CollectorDbContext>(services.GetRequiredService<IServiceScopeFactory>(),
                NullLogger<DatabaseMigrator<CollectorDbContext>>.Instance);
        }).ToList();

        // Two replicas of a Deployment, or a collector and its restarted self: all at once.
        await Task.WhenAll(replicas.Select(r => Task.Run(() => r.StartAsync(CancellationToken.None))));

        await using var db = new CollectorDbContext(new DbContextOptionsBuilder<CollectorDbContext>().UseNpgsql(database, CollectorDatabase.ConfigureNpgsql).Options);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }
}
