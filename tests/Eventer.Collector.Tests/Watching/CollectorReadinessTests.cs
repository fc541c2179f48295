using Eventer.Testing;
using Eventer.Testing.Kubernetes;

namespace Eventer.Collector.Tests.Watching;

[Trait("Category", "Integration")]
public sealed class CollectorReadinessTests
{
    [Fact]
    public async Task A_collector_is_ready_only_once_it_has_listed()
    {
        await using var rig = await CollectorRig.CreateAsync();
        rig.Api.HoldLists = true;
        var collector = await rig.StartCollectorAsync(waitUntilReady: false);

        // The outbox writer and the relay are up quickly; readiness must still wait for the list,
        // or whatever happens before it would be seen only as the state the list returns.
        await Eventually.HoldsAsync(() => rig.Api.Requests.Any(r => !r.Contains("watch=true")), TimeSpan.FromSeconds(30), "the list asked for");
        await Eventually.HoldsAsync(async () => (await collector.ReadinessAsync("database")).CheckStatus == "Healthy"
            && rig.Logs.GetSnapshot().Any(r => r.Message.StartsWith("Connected to RabbitMQ", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the database ready and the broker connected");
        var (status, _, body) = await collector.ReadinessAsync("collector");
        Assert.Equal(503, status);
        Assert.Contains("watch (all namespaces): not listed yet", body);

        rig.Api.HoldLists = false;
        await collector.WaitUntilReadyAsync();
        var uid = KubeEvents.Uid(rig.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));
        rig.Api.Modify(uid, KubeEvents.Repeat);
        await rig.Probe.WaitForAsync(uid, 2);
        Assert.Equal([1, 2], rig.Probe.Received.Where(r => r.EventUid == uid).Select(r => r.Occurrence).Order());
    }
}
