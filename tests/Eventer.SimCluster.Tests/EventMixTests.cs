using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.Collector.Mapping;
using Eventer.Testing.Kubernetes;
using k8s.Models;

namespace Eventer.SimCluster.Tests;

public sealed class EventMixTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private FakeKubeApiServer _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public void The_mix_has_every_kind_of_problem_rising_counts_and_real_sized_messages()
    {
        var mix = new EventMix(_api);

        for (var i = 0; i < 3_000; i++)
        {
            mix.Next();
        }

        var events = _api.Events(FakeKubeApiServer.CoreV1);
        var reasons = events.Select(e => (string)e["reason"]!).ToHashSet();
        Assert.Superset(new HashSet<string> { "BackOff", "Unhealthy", "FailedScheduling", "Failed", "FailedMount", "ScalingReplicaSet", "SuccessfulCreate",
            "Scheduled", "Pulling", "Pulled", "Created", "Started" }, reasons);
        Assert.Equal(["Normal", "Warning"], events.Select(e => (string)e["type"]!).Distinct().Order());
        Assert.Superset(new HashSet<string> { "Pod", "ReplicaSet", "Deployment" }, events.Select(e => (string)e["involvedObject"]!["kind"]!).ToHashSet());
        // Crash loops and probes repeat: counts rise, as a real cluster's do.
        Assert.True(events.Max(e => (int)e["count"]!) >= 5, "no event repeated five times");
        Assert.InRange(mix.Counts.Repeated, 1_000, 2_000);
        var sizes = events.Select(e => Encoding.UTF8.GetByteCount((string)e["message"]!)).ToList();
        Assert.InRange(sizes.Max(), 1_000, 8_000);
        Assert.True(sizes.Average() < 1_000, $"average message {sizes.Average():0} bytes");
        Assert.Equal(events.Count, mix.Counts.Added);
        Assert.Equal(mix.Counts.Added + mix.Counts.Repeated, mix.Counts.Occurrences);

        // Every one is an Event the collector reads.
        var mapper = new KubeEventMapper("sim", TimeProvider.System);
        Assert.All(events, e => Assert.NotEmpty(mapper.FromCoreV1(e.Deserialize<Corev1Event>(Web)!).EventUid));
    }

    [Fact]
    public void In_events_k8s_io_repeats_grow_the_series()
    {
        var mix = new EventMix(_api, FakeKubeApiServer.EventsV1);

        for (var i = 0; i < 2_000; i++)
        {
            mix.Next();
        }

        var events = _api.Events(FakeKubeApiServer.EventsV1);
        Assert.Empty(_api.Events(FakeKubeApiServer.CoreV1));
        Assert.Contains(events, e => e["series"] is null);
        Assert.Contains(events, e => (int?)e["series"]?["count"] >= 4);
        var mapper = new KubeEventMapper("sim", TimeProvider.System);
        var mapped = events.Select(e => mapper.FromEventsV1(e.Deserialize<Eventsv1Event>(Web)!)).ToList();
        Assert.Equal(mix.Counts.Occurrences, mapped.Sum(o => (long)o.Occurrence));
    }

    [Fact]
    public async Task With_a_ttl_old_events_are_deleted_as_the_api_server_does()
    {
        var mix = new EventMix(_api, ttl: TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 300; i++)
        {
            mix.Next();
        }

        var before = _api.Events().Count;
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        mix.Next();

        Assert.True(mix.Counts.Deleted >= before, $"{mix.Counts.Deleted} deleted of {before}");
        Assert.True(_api.Events().Count <= 2, $"{_api.Events().Count} left");
    }

    [Theory]
    [InlineData("--rate", "fast", "--rate must be a number")]
    [InlineData("--api", "v2", "--api must be core/v1 or events.k8s.io/v1")]
    [InlineData("--frobnicate", "1", "unknown flag '--frobnicate'")]
    [InlineData("--burst", null, "--burst needs a value")]
    public void A_bad_command_line_says_which_flag_and_why(string flag, string? value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => SimOptions.Parse(value is null ? [flag] : [flag, value]));

        Assert.StartsWith(expected, error.Message);
    }
}
