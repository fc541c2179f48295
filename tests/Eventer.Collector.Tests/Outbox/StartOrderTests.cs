using System.Diagnostics.Metrics;
using Eventer.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Eventer.Collector.Tests.Outbox;

/// <summary>
/// A collector that starts before any consumer has declared its queue (a fresh `docker compose up`
/// or `kubectl apply`) publishes into an exchange that routes nowhere: RabbitMQ confirms such a
/// publish and drops it. Published mandatory, it comes back, and the row waits.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StartOrderTests
{
    [Fact]
    public async Task Occurrences_published_while_no_queue_is_bound_wait_and_reach_the_first_queue_bound_later_once()
    {
        await using var rig = await CollectorRig.CreateAsync(bindProbe: false);
        var early = rig.AddEvents("early", 40);
        var collector = await rig.StartCollectorAsync(waitUntilReady: false);
        var meters = collector.Services.GetRequiredService<IMeterFactory>();
        using var returned = new MetricCollector<long>(meters, CollectorMetrics.Name, "eventer.collector.publish.returned");
        using var unroutable = new MetricCollector<int>(meters, CollectorMetrics.Name, "eventer.collector.outbox.unroutable");

        // The broker keeps returning what the relay tries (one row a round, with back-off) ...
        await Eventually.HoldsAsync(() => returned.GetMeasurementSnapshot().EvaluateAsCounter() >= 4, TimeSpan.FromSeconds(30), "four returned publishes");
        var late = rig.AddEvents("late", 10);
        await Eventually.HoldsAsync(async () => await rig.UnsentAsync() == 50, TimeSpan.FromSeconds(30), "all 50 rows waiting");

        // ... and readiness, the gauge and one log line say why.
        var (status, _, description) = await collector.ReadinessAsync("collector");
        Assert.Equal(503, status);
        Assert.Contains("no queue is bound to the exchange Eventer.Contracts:KubeEventObserved", description);
        unroutable.RecordObservableInstruments();
        Assert.Equal(1, unroutable.LastMeasurement?.Value);

        await rig.BindProbeAsync();
        await rig.Probe.WaitForAsync(r => early.Concat(late).All(uid => r.Any(o => o.EventUid == uid)), "all 50 at the queue bound late");
        await rig.SettleAsync();

        Assert.Empty(rig.Probe.Doubled());
        Assert.Equal(51, rig.Probe.Received.Count);
        Assert.Equal(0, await rig.UnsentAsync());
        await collector.WaitUntilReadyAsync();
        unroutable.RecordObservableInstruments();
        Assert.Equal(0, unroutable.LastMeasurement?.Value);
        Assert.Single(rig.Logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("No queue is bound"));
        Assert.Single(rig.Logs.GetSnapshot(), r => r.Level == LogLevel.Information && r.Message.Contains("A queue is bound"));
    }

    [Fact]
    public async Task With_AwaitQueues_nothing_is_published_until_every_named_queue_exists_so_a_later_consumer_misses_nothing()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var late = $"late-{Guid.NewGuid():N}";
        var early = rig.AddEvents("early", 20);
        var collector = await rig.StartCollectorAsync(new() { ["Collector:Outbox:AwaitQueues:0"] = late }, waitUntilReady: false);

        // A queue is bound (the probe), so a mandatory publish alone would go out now.
        await Eventually.HoldsAsync(async () => (await collector.ReadinessAsync("collector")).Description.Contains($"waiting for queue(s) {late}"),
            TimeSpan.FromSeconds(30), "readiness to name the missing queue");
        await Eventually.HoldsAsync(async () => await rig.UnsentAsync() == 20, TimeSpan.FromSeconds(30), "20 rows waiting");
        await rig.Probe.PollAsync();
        Assert.Empty(rig.Probe.Received);

        await using var lateQueue = await ProbeQueue.BindAsync(rig.RabbitMq, late);
        await lateQueue.WaitForAsync(r => early.All(uid => r.Any(o => o.EventUid == uid)), "all 20 at the queue declared late");
        await collector.WaitUntilReadyAsync();
        await rig.SettleAsync();
        await lateQueue.PollAsync();
        Assert.Equal(21, lateQueue.Received.Count);
        Assert.Empty(lateQueue.Doubled());
        Assert.Single(rig.Logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains($"Waiting for queue(s) {late}"));
    }
}
