using System.Text.Json.Nodes;
using Eventer.Contracts;
using Eventer.Testing.Kubernetes;

namespace Eventer.Collector.Tests.Watching;

/// <summary>The watch semantics again, end to end: fake apiserver → collector host → outbox → RabbitMQ probe queue.</summary>
[Trait("Category", "Integration")]
public sealed class CollectorWatchTests
{
    [Theory]
    [InlineData(KubeEventApis.CoreV1)]
    [InlineData(KubeEventApis.EventsV1)]
    public async Task Repeats_are_occurrences_and_refreshes_are_not(string api)
    {
        await using var rig = await CollectorRig.CreateAsync();
        await rig.StartCollectorAsync(new() { ["Collector:Api"] = api });
        var uid = KubeEvents.Uid(rig.Api.Add(New(api, "web-1")));

        Repeat(rig, api, uid, 2);
        Touch(rig, api, uid);
        Repeat(rig, api, uid, 3);
        await rig.Probe.WaitForAsync(uid, 3);
        await SettleAsync(rig, api);

        Assert.Equal([1, 2, 3], rig.Probe.Received.Where(r => r.EventUid == uid).Select(r => r.Occurrence).Order());
        Assert.Empty(rig.Probe.Doubled());
        Assert.All(rig.Probe.Received, r => Assert.Equal(api, r.SourceApi));
    }

    [Theory]
    [InlineData(KubeEventApis.CoreV1, ExpiredAnswer.ErrorLine)]
    [InlineData(KubeEventApis.CoreV1, ExpiredAnswer.HttpStatus)]
    [InlineData(KubeEventApis.EventsV1, ExpiredAnswer.ErrorLine)]
    [InlineData(KubeEventApis.EventsV1, ExpiredAnswer.HttpStatus)]
    public async Task A_410_mid_stream_relists_without_missing_or_doubling(string api, ExpiredAnswer answer)
    {
        await using var rig = await CollectorRig.CreateAsync();
        rig.Api.ExpiredAnswer = answer;
        var before = Enumerable.Range(0, 10).Select(i => KubeEvents.Uid(rig.Api.Add(New(api, $"web-{i}")))).ToList();
        await rig.StartCollectorAsync(new() { ["Collector:Api"] = api });
        await rig.Probe.WaitForAsync(r => r.Count >= 10, "the listed events");

        rig.Api.ExpireOpenWatches();
        var after = Enumerable.Range(0, 10).Select(i => KubeEvents.Uid(rig.Api.Add(New(api, $"api-{i}")))).ToList();
        Repeat(rig, api, before[0], 2);

        await rig.Probe.WaitForAsync(before[0], 2);
        foreach (var uid in after)
        {
            await rig.Probe.WaitForAsync(uid);
        }

        await SettleAsync(rig, api);
        Assert.Empty(rig.Probe.Doubled());
        Assert.Equal(2, rig.Api.Requests.Count(r => !r.Contains("watch=true") && !r.Contains("leases")));
    }

    [Fact]
    public async Task Closed_and_silent_watches_resume_without_missing_or_doubling()
    {
        await using var rig = await CollectorRig.CreateAsync();
        await rig.StartCollectorAsync(new() { ["Collector:WatchSilenceTimeout"] = "00:00:01" });
        var first = KubeEvents.Uid(rig.Api.Add(New(KubeEventApis.CoreV1, "web-1")));
        await rig.Probe.WaitForAsync(first);

        rig.Api.CloseOpenWatches();
        var second = KubeEvents.Uid(rig.Api.Add(New(KubeEventApis.CoreV1, "web-2")));
        await rig.Probe.WaitForAsync(second);

        rig.Api.SilentWatches = true;
        rig.Api.CloseOpenWatches();
        var watches = rig.Api.Requests.Count(r => r.Contains("watch=true"));
        await Testing.Eventually.HoldsAsync(() => rig.Api.Requests.Count(r => r.Contains("watch=true")) >= watches + 2,
            TimeSpan.FromSeconds(20), "the silent watch restarted by the watchdog");
        rig.Api.SilentWatches = false;
        var third = KubeEvents.Uid(rig.Api.Add(New(KubeEventApis.CoreV1, "web-3")));

        await rig.Probe.WaitForAsync(third);
        await rig.SettleAsync();
        Assert.Empty(rig.Probe.Doubled());
        Assert.Equal(1, rig.Api.Requests.Count(r => !r.Contains("watch=true")));
    }

    private static JsonObject New(string api, string pod) => api == KubeEventApis.EventsV1
        ? KubeEvents.EventsV1("shop", pod, "BackOff", "Back-off pulling image")
        : KubeEvents.CoreV1("shop", pod, "BackOff", "Back-off restarting failed container");

    private static void Repeat(CollectorRig rig, string api, string uid, int count)
    {
        if (api == KubeEventApis.EventsV1)
        {
            rig.Api.Modify(uid, e => e["series"] = new JsonObject { ["count"] = count, ["lastObservedTime"] = DateTime.UtcNow.ToString("O") }, FakeKubeApiServer.EventsV1);
        }
        else
        {
            rig.Api.Modify(uid, KubeEvents.Repeat);
        }
    }

    /// <summary>A change that is no new occurrence: a metadata touch, or a series refresh with the same count.</summary>
    private static void Touch(CollectorRig rig, string api, string uid) =>
        rig.Api.Modify(uid, e => e["metadata"]!["annotations"] = new JsonObject { ["touched"] = DateTime.UtcNow.ToString("O") },
            api == KubeEventApis.EventsV1 ? FakeKubeApiServer.EventsV1 : FakeKubeApiServer.CoreV1);

    private static async Task SettleAsync(CollectorRig rig, string api)
    {
        var sentinel = KubeEvents.Uid(rig.Api.Add(New(api, $"sentinel-{Guid.NewGuid():N}")));
        await rig.Probe.WaitForAsync(sentinel);
    }
}
