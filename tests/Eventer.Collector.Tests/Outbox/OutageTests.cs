using System.Diagnostics.Metrics;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;
using Eventer.Testing.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.Collector.Tests.Outbox;

/// <summary>Outages made by a TCP proxy between the collector and the real server: fast, and safe for the tests that share it.</summary>
[Trait("Category", "Fault")]
public sealed class OutageTests
{
    [Fact]
    public async Task While_RabbitMQ_is_unreachable_rows_wait_and_then_drain_exactly_once()
    {
        await using var rig = await CollectorRig.CreateAsync();
        await using var proxy = await TcpProxy.StartForAmqpAsync(rig.RabbitMq);
        var collector = await rig.StartCollectorAsync(rabbitMq: proxy.RouteAmqp(rig.RabbitMq));
        var before = rig.AddEvents("before", 10);
        await rig.Probe.WaitForAsync(r => r.Count == 10, "the first ten published");

        proxy.Cut();
        var during = rig.AddEvents("during", 30);
        rig.Api.Modify(before[0], KubeEvents.Repeat);
        await Eventually.HoldsAsync(async () => await rig.UnsentAsync() == 31, TimeSpan.FromSeconds(30), "31 rows waiting in the outbox");
        await Eventually.HoldsAsync(async () => (await collector.ReadinessAsync("collector")).HttpStatus == 503, TimeSpan.FromSeconds(30), "not ready while the broker is away");
        Assert.StartsWith("relay: ", (await collector.ReadinessAsync("collector")).Description);
        proxy.Restore();

        await rig.Probe.WaitForAsync(r => during.All(uid => r.Any(o => o.EventUid == uid)) && r.Any(o => o.EventUid == before[0] && o.Occurrence == 2),
            "everything observed during the outage", TimeSpan.FromSeconds(90));
        await rig.SettleAsync();
        Assert.Empty(rig.Probe.Doubled());
        Assert.Equal(0, await rig.UnsentAsync());
    }

    [Fact]
    public async Task While_PostgreSQL_is_unreachable_the_watch_waits_with_bounded_memory_and_nothing_is_lost()
    {
        await using var rig = await CollectorRig.CreateAsync();
        await using var proxy = await TcpProxy.StartForPostgresAsync(rig.Postgres);
        var collector = await rig.StartCollectorAsync(new()
        {
            ["Collector:Outbox:BufferCapacity"] = "10",
            ["Collector:Outbox:WriteBatchSize"] = "5",
        }, postgres: proxy.RoutePostgres(rig.Postgres));
        using var observed = new MetricCollector<long>(collector.Services.GetRequiredService<IMeterFactory>(),
            CollectorMetrics.Name, "eventer.collector.occurrences.observed");
        rig.AddEvents("before", 10);
        await rig.Probe.WaitForAsync(r => r.Count == 10, "the first ten published");

        proxy.Cut();
        var baseline = observed.GetMeasurementSnapshot().EvaluateAsCounter();
        var during = rig.AddEvents("during", 100);

        // The watch stops reading once the buffer is full: at most the buffer, the batch being
        // retried (1 to 5 of them, however many the writer had taken) and the one occurrence waiting to
        // enter the buffer are held in memory — and it stays so while the writer keeps failing.
        var bound = baseline + 10 + 5 + 1;
        await Eventually.HoldsAsync(() => observed.GetMeasurementSnapshot().EvaluateAsCounter() >= baseline + 10 + 1, TimeSpan.FromSeconds(30), "the buffer filled");
        var failuresSoFar = WriteFailures(rig);
        await Eventually.HoldsAsync(() => WriteFailures(rig) >= failuresSoFar + 5, TimeSpan.FromSeconds(30), "five more failed writes");
        Assert.InRange(observed.GetMeasurementSnapshot().EvaluateAsCounter(), baseline, bound);

        proxy.Restore();
        await rig.Probe.WaitForAsync(r => during.All(uid => r.Any(o => o.EventUid == uid)), "everything observed during the outage", TimeSpan.FromSeconds(90));
        await rig.SettleAsync();
        Assert.Empty(rig.Probe.Doubled());
    }

    private static int WriteFailures(CollectorRig rig) =>
        rig.Logs.GetSnapshot().Count(r => r.Message.StartsWith("Writing ", StringComparison.Ordinal) && r.Message.Contains("to the outbox failed", StringComparison.Ordinal));
}
