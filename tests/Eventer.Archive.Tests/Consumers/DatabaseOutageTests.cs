using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Network;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Npgsql;
using System.Diagnostics.Metrics;

namespace Eventer.Archive.Tests.Consumers;

/// <summary>PostgreSQL gone mid-stream: messages wait in RabbitMQ, none lands in archive_error, all are stored once it is back.</summary>
[Trait("Category", "Fault")]
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);
    private static readonly HttpClient Http = new();

    [Theory]
    [InlineData(BusSettings.Default)]
    [InlineData(BusSettings.KillSwitchOutOfReach)]
    public async Task Through_a_cut_connection(BusSettings bus)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("archive");
        await using var proxy = await TcpProxy.StartForPostgresAsync(database);
        await RunOutageAsync(database, proxy.RoutePostgres(database), bus, cut: () => { proxy.Cut(); return Task.CompletedTask; },
            restore: () => { proxy.Restore(); return Task.CompletedTask; });
    }

    [Theory]
    [InlineData(BusSettings.Default)]
    [InlineData(BusSettings.KillSwitchOutOfReach)]
    public async Task With_the_server_really_stopped_and_started(BusSettings bus)
    {
        await using var server = await PostgresServer.StartDedicatedAsync();
        var database = await server.CreateDatabaseAsync("archive");
        await RunOutageAsync(database, database, bus, cut: server.StopAsync, restore: server.StartAsync);
    }

    /// <remarks>
    /// With the kill switch out of reach the test shows the consumer's own answer to an unreachable
    /// database: wait, never give up. With the default settings it shows that the kill switch does
    /// not change the outcome.
    /// </remarks>
    private static async Task RunOutageAsync(string database, string archiveDatabase, BusSettings busSettings, Func<Task> cut, Func<Task> restore)
    {
        await using var archive = await ArchiveTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:postgres"] = archiveDatabase,
            ["Archive:Batch:MaxDatabaseRetryInterval"] = "00:00:00.500",
        }.With(busSettings));
        using var failures = new MetricCollector<long>(archive.App.Services.GetRequiredService<IMeterFactory>(), ArchiveMetrics.Name, "eventer.archive.write.failures");
        var bus = archive.App.Services.GetRequiredService<IBus>();
        var before = Enumerable.Range(0, 10).Select(_ => ArchiveSamples.Seed()).ToList();
        await PublishAsync(bus, before);
        await Eventually.HoldsAsync(async () => await CountAsync(database) == 10, Slow, "the first ten stored");

        await cut();
        var during = Enumerable.Range(0, 30).Select(_ => ArchiveSamples.Seed()).ToList();
        await PublishAsync(bus, during);
        await Eventually.HoldsAsync(async () => !(await Http.GetAsync(new Uri(archive.App.Address(), "/health/ready"))).IsSuccessStatusCode,
            Slow, "readiness to report the database down");
        // More failed writes than the bus's own retries allow (Bus:RetryLimit, 3): an outage
        // handled as an ordinary fault would be in archive_error, and counted by the kill switch, by now.
        await Eventually.HoldsAsync(() => failures.GetMeasurementSnapshot().EvaluateAsCounter() >= 5, Slow, "the batch to have failed and been retried");
        await restore();

        await Eventually.HoldsAsync(async () => await CountAsync(database) == 40, Slow, "all forty stored once the database is back");
        // Counted before the primary key: every occurrence was inserted by the archive itself, and
        // none came back to it except a batch whose commit the cut may have hidden from it (then it
        // is written again and its rows count as duplicates, never twice as rows).
        // The rows are visible at the commit, a moment before the consumer counts them: wait for
        // the count too (an occurrence the archive never wrote keeps it below 40 for good).
        long stored = 0, duplicates = 0;
        await Eventually.HoldsAsync(() =>
        {
            stored = archive.Stored.GetMeasurementSnapshot(clear: false).EvaluateAsCounter();
            duplicates = archive.Duplicates.GetMeasurementSnapshot(clear: false).EvaluateAsCounter();
            return stored + duplicates >= 40;
        }, TimeSpan.FromSeconds(10), "the archive to have counted every occurrence it wrote");
        Assert.InRange(stored, 10, 40);
        Assert.Empty(await RabbitMqServer.DrainAsync(archive.RabbitMq, "archive_error"));
        await archive.App.WaitUntilReadyAsync(Slow);
    }

    private static Task PublishAsync(IBus bus, IEnumerable<KubeEventObserved> messages) =>
        Task.WhenAll(messages.Select(m => bus.Publish(m, c => c.MessageId = OccurrenceKey.MessageIdFor(m))));

    private static async Task<long> CountAsync(string database)
    {
        try
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            return (long)(await new NpgsqlCommand("SELECT count(*) FROM archive.occurrences", connection).ExecuteScalarAsync())!;
        }
        catch (NpgsqlException)
        {
            return -1; // the server is down for a moment
        }
    }
}
