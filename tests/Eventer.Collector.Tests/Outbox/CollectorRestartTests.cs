using Eventer.Testing.Kubernetes;

namespace Eventer.Collector.Tests.Outbox;

[Trait("Category", "Fault")]
public sealed class CollectorRestartTests
{
    [Fact]
    public async Task A_collector_killed_mid_stream_and_started_again_publishes_every_occurrence_once()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var uids = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            uids.Add(KubeEvents.Uid(rig.Api.Add(KubeEvents.CoreV1($"ns-{i % 4}", $"web-{i}", "BackOff", $"Back-off {i}"))));
        }

        var first = await rig.StartCollectorAsync();
        var repeats = new List<Task>();
        var stream = Task.Run(() =>
        {
            // The stream goes on while the collector dies and comes back: new events and count increases.
            for (var i = 0; i < 100; i++)
            {
                uids.Add(KubeEvents.Uid(rig.Api.Add(KubeEvents.CoreV1("live", $"api-{i}", "Unhealthy", $"probe failed {i}"))));
                if (i % 10 == 0)
                {
                    rig.Api.Modify(uids[i], KubeEvents.Repeat);
                }
            }
        });

        await rig.Probe.WaitForAsync(r => r.Count >= 60, "the stream under way");
        await rig.KillAsync(first);
        await stream;
        await rig.StartCollectorAsync();

        var expected = rig.Api.Events().Select(e => $"rig/{KubeEvents.Uid(e)}/{(int)e["count"]!}").ToHashSet();
        await rig.Probe.WaitForAsync(r => expected.IsSubsetOf(r.Select(o => o.Key)), $"all {expected.Count} current occurrences at the probe queue");
        await rig.SettleAsync();

        // RabbitMQ cannot deduplicate a publish: a kill between the broker's confirm and the row's
        // mark republishes that one row, under the same MessageId, which every consumer drops.
        // Nothing else may be doubled — not by the relist, not by the outbox, not by the relay.
        Assert.True(rig.Probe.Doubled().Count <= 1, string.Join(", ", rig.Probe.Doubled()));
        Assert.Equal(0, await rig.UnsentAsync());
        Assert.All(rig.Probe.Received, r => Assert.Equal(r.MessageId, Contracts.OccurrenceKey.MessageIdFor(r.Key).ToString()));
    }
}
