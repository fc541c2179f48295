using Eventer.Collector.Outbox;
using Eventer.ServiceDefaults;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Eventer.Collector.Tests.Outbox;

/// <summary>
/// The collector applies its EF Core migrations as the SQL EF Core generates from them
/// (<see cref="CollectorSchema"/>), so that the running process never loads EF Core.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MigrationTests
{
    [Fact]
    public void The_embedded_script_is_what_EF_Core_generates_from_the_migrations()
    {
        using var db = Context("Host=localhost;Database=unused");
        var generated = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        // Fails after a new migration until the script is written again (the command is in CollectorSchema's summary).
        Assert.Equal(Normalized(generated), Normalized(CollectorSchema.Script.Sql));
    }

    [Fact]
    public void The_lock_is_named_after_the_context_as_EF_Core_migrating_replicas_name_it() =>
        Assert.Equal(CollectorSchema.Context, typeof(CollectorDbContext).FullName);

    [Fact]
    public async Task The_script_makes_the_schema_EF_Core_migrations_make()
    {
        var server = await PostgresServer.GetAsync();
        var byEf = await server.CreateDatabaseAsync("migrate-ef");
        var byScript = await server.CreateDatabaseAsync("migrate-sql");
        await EfMigrator(byEf).StartAsync(CancellationToken.None);
        await ScriptMigrator(byScript).StartAsync(CancellationToken.None);

        var expected = await PostgresSchema.DescribeAsync(byEf, CollectorDbContext.Schema);
        Assert.Contains(expected, line => line.Contains("ix_outbox_unsent", StringComparison.Ordinal)); // the dump sees indexes
        Assert.Equal(expected, await PostgresSchema.DescribeAsync(byScript, CollectorDbContext.Schema));
        await using var db = Context(byScript);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task Replicas_of_this_version_and_of_one_that_migrated_through_EF_Core_starting_together_all_migrate_it()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("migrate");
        var replicas = new List<Func<Task>>
        {
            () => ScriptMigrator(database).StartAsync(CancellationToken.None),
            () => ScriptMigrator(database).StartAsync(CancellationToken.None),
            () => ScriptMigrator(database).StartAsync(CancellationToken.None),
            () => EfMigrator(database).StartAsync(CancellationToken.None),
        };

        // Two replicas of a Deployment, or a collector and its restarted self, during an upgrade: all at once.
        await Task.WhenAll(replicas.Select(start => Task.Run(start)));
        await ScriptMigrator(database).StartAsync(CancellationToken.None); // and once more on a migrated database

        await using var db = Context(database);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations().Count(), await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM collector.\"__EFMigrationsHistory\"").SingleAsync());
    }

    [Fact]
    public async Task The_collector_process_migrates_and_runs_without_loading_EF_Core()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var uid = KubeEvents.Uid(rig.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));

        await using var collector = ServiceProcess.Start("Eventer.Collector", new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rig.RabbitMq,
            ["ConnectionStrings:postgres"] = rig.Postgres,
            ["Collector:ClusterName"] = "process",
            ["Collector:Kubeconfig"] = rig.Kubeconfig,
        }, build: ServiceBuild.Jit); // the native build loads no assemblies at all
        await collector.WaitUntilReadyAsync(); // readiness includes the database check
        await rig.Probe.WaitForAsync(uid);

        Assert.Contains(collector.MappedAssemblies("Npgsql"), path => path.EndsWith("/Npgsql.dll", StringComparison.Ordinal)); // the maps are read
        Assert.Empty(collector.MappedAssemblies("EntityFrameworkCore"));
    }

    private static CollectorDbContext Context(string database) =>
        new(new DbContextOptionsBuilder<CollectorDbContext>().UseNpgsql(database, CollectorDatabase.ConfigureNpgsql).Options);

    private static ScriptMigrator ScriptMigrator(string database) =>
        new(NpgsqlDataSource.Create(database), CollectorSchema.Script, NullLogger<ScriptMigrator>.Instance);

    private static DatabaseMigrator<CollectorDbContext> EfMigrator(string database)
    {
        var services = new ServiceCollection()
            .AddDbContext<CollectorDbContext>(o => o.UseNpgsql(database, CollectorDatabase.ConfigureNpgsql).LogFailedCommandsAtDebug())
            .BuildServiceProvider();
        return new DatabaseMigrator<CollectorDbContext>(services.GetRequiredService<IServiceScopeFactory>(), NullLogger<DatabaseMigrator<CollectorDbContext>>.Instance);
    }

    private static string Normalized(string script) => script.Trim('\uFEFF', '\n', '\r', ' ').ReplaceLineEndings("\n");
}
