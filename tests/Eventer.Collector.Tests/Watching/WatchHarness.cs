using System.Collections.Concurrent;
using Eventer.Collector.Leadership;
using Eventer.Collector.Mapping;
using Eventer.Collector.Outbox;
using Eventer.Collector.Watching;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Kubernetes;
using k8s;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventer.Collector.Tests.Watching;

/// <summary>The real watcher and KubernetesClient against the fake apiserver, recording what reaches the sink.</summary>
public sealed class WatchHarness : IAsyncDisposable
{
    private readonly KubeEventWatcher _watcher;
    private readonly string _kubeconfig;

    private WatchHarness(FakeKubeApiServer api, CollectorOptions options)
    {
        Api = api;
        _kubeconfig = api.WriteKubeconfig();
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig));
        var mapper = new KubeEventMapper("test-cluster", TimeProvider.System);
        Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        Metrics = new CollectorMetrics(Meters);
        _watcher = new KubeEventWatcher(
            new KubeEventSource(client, mapper, options.Api, Metrics, NullLogger<KubeEventSource>.Instance),
            Sink,
            // No database here: the heartbeat fails fast, which only skips the downtime warning.
            new WatchHeartbeat(NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Timeout=1"), TimeProvider.System),
            new LeaderGate(new LeadershipOptions(), null, NullLogger<LeaderGate>.Instance), // a single replica always leads
            Tracker,
            new CollectorStatus(),
            Metrics,
            Options.Create(options),
            NullLogger<KubeEventWatcher>.Instance);
    }

    public FakeKubeApiServer Api { get; }

    public RecordingSink Sink { get; } = new();

    /// <summary>What the watcher remembers per event.</summary>
    public OccurrenceTracker Tracker { get; } = new(TimeProvider.System, TimeSpan.FromHours(1) + OccurrenceTracker.Margin);

    /// <summary>The meters the watcher and the source report to (for a <c>MetricCollector</c>).</summary>
    public IMeterFactory Meters { get; }

    public CollectorMetrics Metrics { get; }

    public static async Task<WatchHarness> StartAsync(Action<CollectorOptions>? configure = null)
    {
        var options = new CollectorOptions { ClusterName = "test-cluster", MaxBackoff = TimeSpan.FromMilliseconds(500) };
        configure?.Invoke(options);
        var api = await FakeKubeApiServer.StartAsync();
        return new WatchHarness(api, options);
    }

    public Task RunAsync() => _watcher.StartAsync(CancellationToken.None);

    /// <summary>Waits until the sink holds occurrence <paramref name="occurrence"/> of <paramref name="uid"/>.</summary>
    public Task SeenAsync(string uid, int occurrence = 1) =>
        Eventually.HoldsAsync(() => Sink.Has(uid, occurrence), TimeSpan.FromSeconds(20), $"occurrence {occurrence} of {uid}");

    /// <summary>
    /// Adds a sentinel event and waits for it: everything the fake served before it has then been
    /// handled, so counts can be asserted without sleeping.
    /// </summary>
    public async Task SettleAsync(string ns = "default")
    {
        var sentinel = Api.Add(KubeEvents.CoreV1(ns, $"sentinel-{Guid.NewGuid():N}", "Sentinel", "settle"));
        await SeenAsync(KubeEvents.Uid(sentinel));
    }

    public async Task WaitForWatchAsync() =>
        await Eventually.HoldsAsync(() => Api.OpenWatches > 0, TimeSpan.FromSeconds(20), "an open watch");

    public async ValueTask DisposeAsync()
    {
        await _watcher.StopAsync(CancellationToken.None);
        _watcher.Dispose();
        await Api.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}

public sealed class RecordingSink : IOccurrenceSink
{
    public ConcurrentQueue<KubeEventObserved> Received { get; } = new();

    public Task AcceptAsync(KubeEventObserved occurrence, CancellationToken cancellationToken)
    {
        Received.Enqueue(occurrence);
        return Task.CompletedTask;
    }

    public bool Has(string uid, int occurrence) => Received.Any(r => r.EventUid == uid && r.Occurrence == occurrence);

    public int CountOf(string uid) => Received.Count(r => r.EventUid == uid);

    /// <summary>Occurrence keys received more than once.</summary>
    public IReadOnlyList<string> Doubled() =>
        Received.GroupBy(OccurrenceKey.For).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
}

