using Eventer.Collector.Mapping;
using Eventer.Contracts;
using Eventer.Testing.Kubernetes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.Collector.Tests.Watching;

/// <summary>
/// Hostile Events in a list and in a watch, through the real KubernetesClient: each one is followed
/// by a normal one, and every normal one arrives. A readable hostile Event arrives cleaned; one the
/// client cannot read is skipped and counted as malformed, never retried forever.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileEventTests
{
    [Fact]
    public async Task A_list_never_stalls_on_one_bad_item()
    {
        // Two items a page, so bad items sit on pages of their own and between good ones.
        await using var h = await WatchHarness.StartAsync(o => o.ListPageSize = 2);
        using var malformed = Malformed(h);
        var hostile = HostileEvents.All("shop");
        var added = hostile.Select(c => (Case: c, Uid: c.AddTo(h.Api), After: AddNormal(h.Api, c))).ToList();

        await h.RunAsync();

        foreach (var (_, _, after) in added)
        {
            await h.SeenAsync(after);
        }

        await h.SettleAsync();
        AssertHostile(h, added.Select(a => (a.Case, a.Uid)).ToList(), malformed);
        Assert.Equal(1, h.Api.Requests.Count(r => r.StartsWith("/api/v1/events?", StringComparison.Ordinal) && !r.Contains("continue=") && !r.Contains("watch=true")));
    }

    [Fact]
    public async Task A_watch_never_stalls_on_one_bad_line()
    {
        await using var h = await WatchHarness.StartAsync();
        using var malformed = Malformed(h);
        await h.RunAsync();
        await h.WaitForWatchAsync();

        var sent = new List<(HostileEvent Case, string Uid)>();
        foreach (var hostile in HostileEvents.All("shop"))
        {
            // What the client cannot read goes as a raw line: the fake's store cannot hold every case.
            sent.Add((hostile, hostile.Readable ? hostile.AddTo(h.Api) : hostile.SendAsWatchLine(h.Api)));
            await h.SeenAsync(AddNormal(h.Api, hostile));
        }

        await h.SettleAsync();
        AssertHostile(h, sent, malformed);
        Assert.Equal(1, h.Api.Requests.Count(r => !r.Contains("watch=true"))); // skipped lines did not cost a relist
    }

    [Fact]
    public async Task An_events_v1_list_skips_an_unreadable_event_time_and_cleans_a_note()
    {
        await using var h = await WatchHarness.StartAsync(o => o.Api = KubeEventApis.EventsV1);
        using var malformed = Malformed(h);
        var bad = KubeEvents.EventsV1("shop", "web-1", "BackOff", "bad time");
        bad["eventTime"] = "10000-01-01T00:00:00.000000Z";
        h.Api.Add(bad);
        var nul = KubeEvents.Uid(h.Api.Add(KubeEvents.EventsV1("shop", "web-2", "BackOff", "disk\0full")));
        var after = KubeEvents.Uid(h.Api.Add(KubeEvents.EventsV1("shop", "web-3", "BackOff", "fine")));

        await h.RunAsync();

        await h.SeenAsync(after);
        Assert.Equal("disk\uFFFDfull", Assert.Single(h.Sink.Received, r => r.EventUid == nul).Message);
        Assert.Equal(2, h.Sink.Received.Count);
        Assert.Equal(1, malformed.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    private static MetricCollector<long> Malformed(WatchHarness h) =>
        new(h.Meters, CollectorMetrics.Name, "eventer.collector.watch.malformed_lines");

    /// <summary>A normal event named so that lists sort it right after <paramref name="hostile"/>.</summary>
    private static string AddNormal(FakeKubeApiServer api, HostileEvent hostile)
    {
        var normal = KubeEvents.CoreV1("shop", $"after-{hostile.Case}", "BackOff", $"the event after {hostile.Case}");
        normal["metadata"]!["name"] = $"{hostile.Event["metadata"]!["name"]}-after";
        return KubeEvents.Uid(api.Add(normal));
    }

    private static void AssertHostile(WatchHarness h, IReadOnlyList<(HostileEvent Case, string Uid)> hostile, MetricCollector<long> malformed)
    {
        var received = hostile.ToDictionary(c => c.Case.Case, c => h.Sink.Received.Where(r => r.EventUid == c.Uid).ToList());
        foreach (var (@case, _) in hostile.Where(c => !c.Case.Readable))
        {
            Assert.True(received[@case.Case].Count == 0, $"{@case.Case} should have been skipped");
        }

        Assert.Equal(hostile.Count(c => !c.Case.Readable), malformed.GetMeasurementSnapshot().Sum(m => m.Value));

        var nul = Assert.Single(received[HostileEvents.Nul]);
        Assert.Equal("disk\uFFFDfull", nul.Message);
        Assert.Equal("shop\uFFFD", nul.Labels["team\uFFFD"]);

        var megabyte = Assert.Single(received[HostileEvents.MegabyteMessage]);
        Assert.Equal(StorableText.Cap(new string('x', HostileEvents.MegabyteLength), StorableText.MaxMessageBytes), megabyte.Message);
        Assert.EndsWith($" of {HostileEvents.MegabyteLength} bytes]", megabyte.Message);

        var labels = Assert.Single(received[HostileEvents.TenThousandLabels]);
        Assert.Equal(10_000, labels.Labels.Count);
        Assert.Equal("value-9999", labels.Labels["label-9999"]);

        var first = Assert.Single(received[HostileEvents.FirstInstant]);
        Assert.Equal(DateTimeOffset.MinValue, first.FirstTimestamp);
        var last = Assert.Single(received[HostileEvents.LastInstant]);
        Assert.Equal(new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero), last.LastTimestamp);
    }
}
