using System.Diagnostics;
using Eventer.Collector;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.EndToEnd.Tests;

/// <summary>
/// A fresh install (`docker compose up`, `kubectl apply`): the collector is up a minute before
/// any consumer has declared its queue, and the consumers then come one after the other. Every
/// occurrence of that minute reaches every consumer, once.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class StartOrderTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Consumers_started_a_minute_after_the_collector_get_everything_from_the_first_event_once()
    {
        await using var pipeline = await Pipeline.CreateAsync();
        await pipeline.BindProbeAsync(); // sees every publish; it does not count as a consumer the collector waits for
        for (var i = 0; i < 20; i++)
        {
            pipeline.Api.Add(KubeEvents.CoreV1("shop", $"web-{i}", "BackOff", $"Back-off {i}"));
        }

        pipeline.AddAlert("alert-before-start");
        var collector = CollectorHost.Build([], b => b.UseTestSettings(pipeline.CollectorSettings(new()
        {
            ["Collector:Outbox:AwaitQueues:0"] = "archive",
            ["Collector:Outbox:AwaitQueues:1"] = "dingtalk-notifier",
        })));
        await using var _ = collector;
        var minute = Stopwatch.StartNew();
        await collector.StartAsync();
        await Eventually.HoldsAsync(async () => (await collector.ReadinessAsync("collector")).Description is var d
            && d.Contains("waiting for queue(s)") && !d.Contains("not listed yet"), Deadline, "the collector watching, and waiting for the queues");

        // A minute of a cluster's life with nobody listening: new events, repeats and alerts.
        for (var i = 0; minute.Elapsed < TimeSpan.FromMinutes(1); i++)
        {
            var uid = KubeEvents.Uid(pipeline.Api.Add(KubeEvents.CoreV1("live", $"api-{i}", "Unhealthy", $"Readiness probe failed ({i})")));
            if (i % 3 == 0)
            {
                pipeline.Api.Modify(uid, KubeEvents.Repeat);
            }

            if (i % 20 == 0)
            {
                pipeline.AddAlert($"alert-{i}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500)); // the pace of the cluster, not a wait for anything
        }

        var (status, _, waiting) = await collector.ReadinessAsync("collector");
        Assert.Equal(503, status);
        Assert.Contains("waiting for queue(s) archive, dingtalk-notifier to be declared", waiting);

        // The consumers start one after the other, as containers do.
        await pipeline.StartArchiveAsync();
        await Eventually.HoldsAsync(async () => (await collector.ReadinessAsync("collector")).Description.Contains("waiting for queue(s) dingtalk-notifier"),
            Deadline, "the collector to wait for the notifier's queue only");
        pipeline.AddAlert("alert-between-consumers");
        await pipeline.StartNotifierAsync();
        await collector.WaitUntilReadyAsync();

        // The collector watched all along: every occurrence of every event, the first of the repeated ones too.
        var expected = pipeline.EveryOccurrence();
        await Eventually.HoldsAsync(async () => expected.IsSubsetOf(await pipeline.ArchivedAsync()), Deadline, $"{expected.Count} occurrences archived");
        var alertPods = pipeline.Api.Events().Where(e => (string?)e["metadata"]!["namespace"] == Pipeline.AlertNamespace)
            .Select(e => (string)e["involvedObject"]!["name"]!).ToList();
        await Eventually.HoldsAsync(() => alertPods.All(pod => pipeline.AlertsAbout(pod) >= 1), Deadline, $"{alertPods.Count} alerts sent");

        // Once, counted before any primary key: at the probe, in the archive's inserts, one DingTalk message per alert.
        await pipeline.Probe!.PollAsync();
        Assert.Empty(pipeline.Probe.Doubled());
        Assert.Equal(expected.Order(), pipeline.Probe.Received.Select(r => (r.EventUid, r.Occurrence)).Order());
        Assert.Equal(expected.Order(), (await pipeline.ArchivedAsync()).Order());
        Assert.Equal(expected.Count, pipeline.ArchiveStored!.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(alertPods, pod => Assert.Equal(1, pipeline.AlertsAbout(pod)));
        Assert.Equal(alertPods.Count, pipeline.Alerts.Count);
    }
}
