using Eventer.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Eventer.Testing.Kubernetes;
using Xunit.Abstractions;

namespace Eventer.EndToEnd.Tests;

/// <summary>
/// The collector as a process of its own, SIGKILLed mid-stream: no shutdown, no drain, no lease
/// release. A kill may publish again what was in flight (under the same MessageIds); the promise is
/// at the consumers: nothing lost, nothing stored or notified twice.
/// </summary>
[Trait("Category", "Fault")]
public sealed class CollectorKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_collector_killed_mid_stream_and_started_again_loses_nothing_and_no_consumer_stores_or_notifies_twice()
    {
        await using var pipeline = await Pipeline.CreateAsync();
        await pipeline.BindProbeAsync();
        await pipeline.StartConsumersAsync();
        // A backlog to list, so the kill lands in the middle of a round of publishes.
        for (var i = 0; i < 3000; i++)
        {
            pipeline.Api.Add(KubeEvents.CoreV1($"ns-{i % 4}", $"web-{i}", "BackOff", $"Back-off {i}"));
        }

        await using (var first = ServiceProcess.Start("Eventer.Collector", pipeline.CollectorSettings()))
        {
            await first.WaitUntilReadyAsync();
            using var streaming = new CancellationTokenSource();
            var stream = StreamAsync(pipeline, streaming.Token);
            await pipeline.Probe!.WaitForAsync(r => r.Count >= 1000, "the backlog under way", Deadline);
            await first.KillAsync();
            var killedAt = pipeline.Api.CurrentResourceVersion;
            await Eventually.HoldsAsync(() => pipeline.Api.CurrentResourceVersion > killedAt + 50, Deadline, "events made while it is dead");
            await streaming.CancelAsync();
            await stream;
        }

        await using var second = ServiceProcess.Start("Eventer.Collector", pipeline.CollectorSettings());
        await second.WaitUntilReadyAsync();
        await AssertDeliveredOnceAsync(pipeline);
    }

    [Fact]
    public async Task When_the_leader_is_killed_the_follower_takes_over_and_no_consumer_stores_or_notifies_twice()
    {
        await using var pipeline = await Pipeline.CreateAsync();
        await pipeline.BindProbeAsync();
        await pipeline.StartConsumersAsync();
        for (var i = 0; i < 20; i++)
        {
            pipeline.Api.Add(KubeEvents.CoreV1("shop", $"web-{i}", "BackOff", $"Back-off {i}"));
        }

        Dictionary<string, string?> Replica(string identity) => pipeline.CollectorSettings(new()
        {
            ["Collector:Leadership:Mode"] = "lease",
            ["Collector:Leadership:LeaseNamespace"] = "eventer",
            ["Collector:Leadership:Identity"] = identity,
            ["Collector:Leadership:LeaseDuration"] = "00:00:03",
            ["Collector:Leadership:RenewDeadline"] = "00:00:01.500",
            ["Collector:Leadership:RetryPeriod"] = "00:00:00.250",
        });
        await using var a = ServiceProcess.Start("Eventer.Collector", Replica("replica-a"));
        await using var b = ServiceProcess.Start("Eventer.Collector", Replica("replica-b"));
        await Task.WhenAll(a.WaitUntilReadyAsync(), b.WaitUntilReadyAsync());
        await Eventually.HoldsAsync(() => Holder(pipeline) is "replica-a" or "replica-b", Deadline, "a leader");
        var (leader, followerName) = Holder(pipeline) == "replica-a" ? (a, "replica-b") : (b, "replica-a");
        await pipeline.Probe!.WaitForAsync(r => r.Count >= 20, "the listed events published by the leader", Deadline);

        using var streaming = new CancellationTokenSource();
        var stream = StreamAsync(pipeline, streaming.Token);
        await pipeline.Probe.WaitForAsync(r => r.Count >= 100, "the stream under way", Deadline);
        await leader.KillAsync();
        await Eventually.HoldsAsync(() => Holder(pipeline) == followerName, Deadline, "the follower to take the lease");
        await streaming.CancelAsync();
        await stream;

        await AssertDeliveredOnceAsync(pipeline);
    }

    /// <summary>
    /// New events, every tenth repeated, until cancelled (at most 5,000); among the first 250 every
    /// 25th is an alert, so the robot stays within DingTalk's 20 a minute and each alert is one message.
    /// </summary>
    private static Task StreamAsync(Pipeline pipeline, CancellationToken stop) => Task.Run(async () =>
    {
        for (var i = 0; i < 5000 && !stop.IsCancellationRequested; i++)
        {
            var uid = KubeEvents.Uid(pipeline.Api.Add(KubeEvents.CoreV1("live", $"api-{i}", "Unhealthy", $"Readiness probe failed: HTTP 503 ({i})")));
            if (i % 10 == 0)
            {
                pipeline.Api.Modify(uid, KubeEvents.Repeat);
            }

            if (i % 25 == 0 && i < 250)
            {
                pipeline.AddAlert($"alert-{i}");
            }

            // A steady stream, not one burst: the kill must land while rows are in flight.
            await Task.Delay(TimeSpan.FromMilliseconds(5), CancellationToken.None);
        }
    });

    private async Task AssertDeliveredOnceAsync(Pipeline pipeline)
    {
        // Every current occurrence must arrive; earlier ones of a repeated event arrive when the
        // collector was watching while they were current.
        var current = pipeline.Served();
        await Eventually.HoldsAsync(async () => current.IsSubsetOf(await pipeline.ArchivedAsync()), Deadline, $"{current.Count} current occurrences archived");
        var alertPods = pipeline.Api.Events().Where(e => (string?)e["metadata"]!["namespace"] == Pipeline.AlertNamespace)
            .Select(e => (string)e["involvedObject"]!["name"]!).ToList();
        await pipeline.WaitForAlertsAsync(alertPods, Deadline);

        // A sentinel after everything else: once it is archived and alerted, nothing earlier is on its way.
        var sentinel = pipeline.AddAlert("sentinel");
        await Eventually.HoldsAsync(() => pipeline.AlertsAbout("sentinel") == 1, Deadline, "the sentinel alerted");
        await Eventually.HoldsAsync(async () => (await pipeline.ArchivedAsync()).Contains((sentinel, 1)), Deadline, "the sentinel archived");

        await pipeline.Probe!.PollAsync();
        var published = pipeline.Probe.Received.Select(r => (r.EventUid, r.Occurrence)).ToHashSet();
        output.WriteLine($"{pipeline.Probe.Received.Count} messages published for {published.Count} occurrences; "
            + $"published more than once (a kill's window): {pipeline.Probe.Doubled().Count}");

        // What was published, duplicates and all, is stored once: one row and one insert per occurrence.
        var archived = await pipeline.ArchivedAsync();
        Assert.Equal(published.Order(), archived.Order());
        Assert.Equal(published.Count, pipeline.ArchiveStored!.GetMeasurementSnapshot().EvaluateAsCounter());

        // And each alert is one DingTalk message.
        Assert.All(alertPods.Append("sentinel"), pod => Assert.Equal(1, pipeline.AlertsAbout(pod)));
        Assert.Equal(alertPods.Count + 1, pipeline.Alerts.Count);
    }

    private static string? Holder(Pipeline pipeline) =>
        pipeline.Api.Lease("eventer", "eventer-collector")?["spec"]?["holderIdentity"]?.GetValue<string>();
}
