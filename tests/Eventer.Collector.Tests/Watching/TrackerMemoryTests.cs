using Eventer.Testing.Kubernetes;

namespace Eventer.Collector.Tests.Watching;

/// <summary>What the collector remembers per event is bounded by the events that exist, not by how long one watch lives.</summary>
[Trait("Category", "Integration")]
public sealed class TrackerMemoryTests
{
    [Fact]
    public async Task Over_one_long_watch_deleted_events_are_forgotten_and_the_tracker_stays_bounded()
    {
        const int Rounds = 20, PerRound = 250;
        await using var h = await WatchHarness.StartAsync();
        await h.RunAsync();
        await h.WaitForWatchAsync();

        var largest = 0;
        for (var round = 0; round < Rounds; round++)
        {
            // A round of events, each repeated once, then deleted as the event TTL does.
            var uids = Enumerable.Range(0, PerRound)
                .Select(i => KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1($"ns-{i % 5}", $"pod-{round}-{i}", "BackOff", $"Back-off {round}/{i}"))))
                .ToList();
            uids.ForEach(uid => h.Api.Modify(uid, KubeEvents.Repeat));
            await h.SettleAsync();
            largest = Math.Max(largest, h.Tracker.Count);
            uids.ForEach(uid => h.Api.Delete(uid));
            await h.SettleAsync();
        }

        // Every occurrence was handed on once, all through the one watch (no relist forgot anything for us).
        Assert.Equal(Rounds * PerRound * 2 + Rounds * 2, h.Sink.Received.Count);
        Assert.Empty(h.Sink.Doubled());
        Assert.Single(h.Api.Requests, r => !r.Contains("watch=true"));

        // What is left is the sentinels (never deleted); at its fullest it held one round.
        Assert.Equal(Rounds * 2, h.Tracker.Count);
        Assert.InRange(largest, PerRound, PerRound + Rounds * 2);
    }
}
