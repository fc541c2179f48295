using Eventer.Collector.Leadership;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Eventer.Collector.Tests.Leadership;

[Trait("Category", "Fault")]
public sealed class CollectorFailoverTests
{
    [Fact]
    public async Task When_the_leader_dies_the_follower_continues_and_every_occurrence_reaches_the_queue_once()
    {
        await using var rig = await CollectorRig.CreateAsync();
        var election = new Dictionary<string, string?>
        {
            ["Collector:Leadership:Mode"] = "memory",
            ["Collector:Leadership:LeaseName"] = $"failover-{Guid.NewGuid():N}",
            ["Collector:Leadership:LeaseDuration"] = "00:00:03",
            ["Collector:Leadership:RenewDeadline"] = "00:00:01.500",
            ["Collector:Leadership:RetryPeriod"] = "00:00:00.250",
        };
        for (var i = 0; i < 20; i++)
        {
            rig.Api.Add(KubeEvents.CoreV1("shop", $"web-{i}", "BackOff", $"Back-off {i}"));
        }

        var first = await rig.StartCollectorAsync(election);
        var second = await rig.StartCollectorAsync(election);
        await Eventually.HoldsAsync(() => Gate(first).IsLeader ^ Gate(second).IsLeader, TimeSpan.FromSeconds(30), "exactly one leader");
        var (leader, follower) = Gate(first).IsLeader ? (first, second) : (second, first);
        await rig.Probe.WaitForAsync(r => r.Count >= 20, "the listed events published by the leader");

        var stream = Task.Run(() =>
        {
            for (var i = 0; i < 60; i++)
            {
                var uid = KubeEvents.Uid(rig.Api.Add(KubeEvents.CoreV1("live", $"api-{i}", "Unhealthy", $"probe failed {i}")));
                if (i % 6 == 0)
                {
                    rig.Api.Modify(uid, KubeEvents.Repeat);
                }
            }
        });
        await rig.Probe.WaitForAsync(r => r.Count >= 30, "the stream under way");
        await rig.KillAsync(leader);
        await stream;

        await Eventually.HoldsAsync(() => Gate(follower).IsLeader, TimeSpan.FromSeconds(30), "the follower to take over");
        var expected = rig.Api.Events().Select(e => $"rig/{KubeEvents.Uid(e)}/{(int)e["count"]!}").ToHashSet();
        await rig.Probe.WaitForAsync(r => expected.IsSubsetOf(r.Select(o => o.Key)), $"all {expected.Count} current occurrences at the probe queue");
        await rig.SettleAsync();

        // As with any crash, the one row in flight when the leader died may come again under its
        // MessageId (consumers drop it); the takeover itself — a full relist — doubles nothing.
        Assert.True(rig.Probe.Doubled().Count <= 1, string.Join(", ", rig.Probe.Doubled()));
        Assert.Equal(0, await rig.UnsentAsync());
    }

    private static LeaderGate Gate(WebApplication app) => app.Services.GetRequiredService<LeaderGate>();
}
