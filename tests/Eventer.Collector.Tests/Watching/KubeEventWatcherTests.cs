using System.Globalization;
using System.Text.Json.Nodes;
using Eventer.Contracts;
using Eventer.Testing.Kubernetes;

namespace Eventer.Collector.Tests.Watching;

[Trait("Category", "Integration")]
public sealed class KubeEventWatcherTests
{
    [Fact]
    public async Task Lists_what_exists_then_watches_what_comes()
    {
        await using var h = await WatchHarness.StartAsync();
        var before = h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off restarting failed container"));
        await h.RunAsync();
        await h.WaitForWatchAsync();
        var after = h.Api.Add(KubeEvents.CoreV1("shop", "web-2", "Unhealthy", "Readiness probe failed"));

        await h.SeenAsync(KubeEvents.Uid(before));
        await h.SeenAsync(KubeEvents.Uid(after));
        await h.SettleAsync();
        Assert.Empty(h.Sink.Doubled());
        Assert.Equal(3, h.Sink.Received.Count);
    }

    [Fact]
    public async Task Count_increases_are_occurrences_and_other_modifications_are_not()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.RunAsync();
        await h.WaitForWatchAsync();
        var uid = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));

        h.Api.Modify(uid, KubeEvents.Repeat);
        h.Api.Modify(uid, e => e["metadata"]!["annotations"] = new JsonObject { ["touched"] = "yes" });
        h.Api.Modify(uid, KubeEvents.Repeat);
        h.Api.Delete(uid);
        await h.SettleAsync();

        Assert.Equal([1, 2, 3], h.Sink.Received.Where(r => r.EventUid == uid).Select(r => r.Occurrence));
    }

    [Theory]
    [InlineData(ExpiredAnswer.ErrorLine)]
    [InlineData(ExpiredAnswer.HttpStatus)]
    public async Task Expired_resource_version_relists_without_missing_or_doubling(ExpiredAnswer answer)
    {
        await using var h = await WatchHarness.StartAsync();
        h.Api.ExpiredAnswer = answer;
        var first = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));
        await h.RunAsync();
        await h.SeenAsync(first);
        await h.WaitForWatchAsync();

        h.Api.ExpireOpenWatches();
        var second = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-2", "BackOff", "Back-off")));
        h.Api.Modify(first, KubeEvents.Repeat);

        await h.SeenAsync(second);
        await h.SeenAsync(first, 2);
        await h.SettleAsync();
        Assert.Empty(h.Sink.Doubled());
        Assert.Equal(2, h.Api.Requests.Count(r => !r.Contains("watch=true")));
    }

    [Fact]
    public async Task A_closed_watch_resumes_from_the_last_resource_version()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.RunAsync();
        await h.WaitForWatchAsync();
        var first = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));
        await h.SeenAsync(first);

        h.Api.CloseOpenWatches();
        var second = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-2", "BackOff", "Back-off")));

        await h.SeenAsync(second);
        await h.SettleAsync();
        Assert.Empty(h.Sink.Doubled());
        Assert.Equal(1, h.Api.Requests.Count(r => !r.Contains("watch=true")));
        Assert.Contains(h.Api.Requests, r => r.Contains("watch=true") && r.Contains($"resourceVersion={h.Sink.Received.First(x => x.EventUid == first).EventResourceVersion}"));
    }

    [Fact]
    public async Task Watches_that_end_before_their_first_line_are_ordinary_ends()
    {
        await using var h = await WatchHarness.StartAsync();
        await h.RunAsync();
        await h.WaitForWatchAsync();

        h.Api.EndWatchesBeforeFirstLine = true;
        h.Api.CloseOpenWatches();
        var during = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));
        await Eventually(() => h.Api.Requests.Count(r => r.Contains("watch=true")) >= 3, "several refused watches");
        h.Api.EndWatchesBeforeFirstLine = false;

        await h.SeenAsync(during);
        await h.SettleAsync();
        Assert.Empty(h.Sink.Doubled());
        Assert.Equal(1, h.Api.Requests.Count(r => !r.Contains("watch=true")));
    }

    [Fact]
    public async Task A_silent_watch_is_restarted_by_the_watchdog()
    {
        await using var h = await WatchHarness.StartAsync(o => o.WatchSilenceTimeout = TimeSpan.FromSeconds(1));
        await h.RunAsync();
        await h.WaitForWatchAsync();
        var watchesBefore = h.Api.Requests.Count(r => r.Contains("watch=true"));

        h.Api.SilentWatches = true;
        h.Api.CloseOpenWatches();
        await Eventually(() => h.Api.Requests.Count(r => r.Contains("watch=true")) >= watchesBefore + 2, "the silent watch to be restarted");
        h.Api.SilentWatches = false;
        await Eventually(() => h.Api.Requests.Count(r => r.Contains("watch=true")) >= watchesBefore + 3, "a talking watch");

        await h.SettleAsync();
        Assert.Empty(h.Sink.Doubled());
    }

    [Fact]
    public async Task Malformed_lines_are_skipped_and_bookmarks_move_the_resource_version()
    {
        await using var h = await WatchHarness.StartAsync(o => o.Namespaces = ["shop"]);
        await h.RunAsync();
        await h.WaitForWatchAsync();

        // A change this watch does not see moves the server's resourceVersion: only the bookmark carries it.
        h.Api.Add(KubeEvents.CoreV1("kube-system", "dns-1", "BackOff", "Back-off"));
        var bookmarked = h.Api.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture);
        h.Api.SendMalformedLine();
        h.Api.SendBookmark();
        h.Api.CloseOpenWatches();
        await Eventually(() => h.Api.Requests.Any(r => r.Contains("watch=true") && r.Contains($"resourceVersion={bookmarked}&")),
            "the next watch to resume from the bookmark");
        var after = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));

        await h.SeenAsync(after);
        await h.SettleAsync("shop");
        Assert.Empty(h.Sink.Doubled());
        Assert.Equal(1, h.Api.Requests.Count(r => !r.Contains("watch=true")));
    }

    [Fact]
    public async Task Lists_page_by_page()
    {
        await using var h = await WatchHarness.StartAsync(o => o.ListPageSize = 2);
        var uids = Enumerable.Range(1, 5).Select(i => KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", $"web-{i}", "BackOff", "Back-off")))).ToList();

        await h.RunAsync();
        foreach (var uid in uids)
        {
            await h.SeenAsync(uid);
        }

        Assert.Equal(3, h.Api.Requests.Count(r => !r.Contains("watch=true")));
        Assert.Contains(h.Api.Requests, r => r.Contains("continue="));
    }

    [Fact]
    public async Task Only_the_configured_namespaces_are_watched()
    {
        await using var h = await WatchHarness.StartAsync(o => o.Namespaces = ["shop"]);
        await h.RunAsync();
        await h.WaitForWatchAsync();

        var other = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("kube-system", "dns-1", "BackOff", "Back-off")));
        var mine = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "BackOff", "Back-off")));
        await h.SeenAsync(mine);
        await h.SettleAsync("shop");

        Assert.Equal(0, h.Sink.CountOf(other));
        Assert.All(h.Api.Requests, r => Assert.StartsWith("/api/v1/namespaces/shop/events", r));
    }

    [Fact]
    public async Task Events_v1_series_counts_are_occurrences_and_refreshes_are_not()
    {
        await using var h = await WatchHarness.StartAsync(o => o.Api = KubeEventApis.EventsV1);
        await h.RunAsync();
        await h.WaitForWatchAsync();
        var uid = KubeEvents.Uid(h.Api.Add(KubeEvents.EventsV1("shop", "web-1", "BackOff", "Back-off pulling image")));

        h.Api.Modify(uid, e => e["series"] = new JsonObject { ["count"] = 2, ["lastObservedTime"] = "2026-11-27T09:00:00.000000Z" }, FakeKubeApiServer.EventsV1);
        h.Api.Modify(uid, e => e["series"] = new JsonObject { ["count"] = 2, ["lastObservedTime"] = "2026-11-27T09:30:00.000000Z" }, FakeKubeApiServer.EventsV1);
        h.Api.Modify(uid, e => e["series"] = new JsonObject { ["count"] = 3, ["lastObservedTime"] = "2026-11-27T09:31:00.000000Z" }, FakeKubeApiServer.EventsV1);
        var sentinel = KubeEvents.Uid(h.Api.Add(KubeEvents.EventsV1("shop", "sentinel", "Sentinel", "settle")));
        await h.SeenAsync(sentinel);

        Assert.Equal([1, 2, 3], h.Sink.Received.Where(r => r.EventUid == uid).Select(r => r.Occurrence));
        Assert.All(h.Sink.Received, r => Assert.Equal(KubeEventApis.EventsV1, r.SourceApi));
        Assert.All(h.Api.Requests, r => Assert.StartsWith("/apis/events.k8s.io/v1/events", r));
    }

    [Fact]
    public async Task Drop_rules_cut_matching_events_at_the_source()
    {
        await using var h = await WatchHarness.StartAsync(o => o.Drop = [new() { Type = "Normal", Namespace = "kube-system" }, new() { Message = "^Readiness probe" }]);
        await h.RunAsync();
        await h.WaitForWatchAsync();

        var noise = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("kube-system", "coredns-1", "Pulled", "Successfully pulled image", type: "Normal")));
        var probe = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("shop", "web-1", "Unhealthy", "Readiness probe failed: HTTP 503")));
        var kept = KubeEvents.Uid(h.Api.Add(KubeEvents.CoreV1("kube-system", "coredns-2", "BackOff", "Back-off restarting failed container")));
        await h.SeenAsync(kept);
        await h.SettleAsync();

        Assert.Equal(0, h.Sink.CountOf(noise));
        Assert.Equal(0, h.Sink.CountOf(probe));
    }

    private static Task Eventually(Func<bool> condition, string what) =>
        Eventer.Testing.Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(20), what);
}
