using Eventer.Contracts;
using Eventer.Notifications.Delivery;
using Eventer.Notifications.Persistence;
using Eventer.Notifications.Rendering;
using Eventer.Notifications.Routing;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.WebhookNotifier;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Eventer.Bench;

/// <summary>
/// What one dispatch round of a notifier holds in a backlog: the pending alerts it reads for a
/// target (as many as <see cref="AlertDispatcher"/> reads at most), as managed heap retained after a
/// full collection and as bytes allocated while reading. Messages are 100–1,200 characters (mean
/// about 650, the pipeline bench's mean).
/// </summary>
public static class RoundBench
{
    private const string Target = "sink";

    public static async Task RunAsync(int alerts)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("round");
        await using (var context = DeliveryDbContext.Create(database, WebhookHost.Sink))
        {
            await context.Database.MigrateAsync();
        }

        await using var source = NpgsqlDataSource.Create(database);
        var store = new AlertStore(source, WebhookHost.Sink);
        var random = new Random(1);
        var start = DateTimeOffset.UtcNow;
        for (var added = 0; added < alerts; added += 1000)
        {
            var batch = Enumerable.Range(added, Math.Min(1000, alerts - added))
                .Select(i => ObservedSamples.Warning($"ns-{i % 40}", $"web-{i % 500}", i % 3 == 0 ? "BackOff" : "Unhealthy", start.AddMilliseconds(i),
                    new string('m', random.Next(100, 1200))))
                .Select(e => new NewAlert(OccurrenceKey.MessageIdFor(e), new AlertTarget(Target, Router.DefaultRoute, Mentions.None),
                    AlertPlanner.FoldKeyOf(e), AlertContent.LastSeenOf(e), e, null))
                .ToList();
            await store.AddAsync(batch, start, CancellationToken.None);
        }

        await store.PendingAsync(Target, 100, CancellationToken.None); // JIT and the connection pool, not the round
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var pending = await store.PendingAsync(Target, AlertDispatcher.PendingReadLimit, CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        GC.KeepAlive(pending);

        Console.WriteLine("| what | figure |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine($"| pending alerts read in one round | {pending.Count:N0} |");
        Console.WriteLine($"| managed heap the round holds | {retained / 1048576.0:F1} MB ({retained / (double)pending.Count:F0} bytes per alert) |");
        Console.WriteLine($"| allocated while reading | {allocated / 1048576.0:F1} MB |");
    }
}
