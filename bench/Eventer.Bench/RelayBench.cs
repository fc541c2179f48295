using System.Diagnostics;
using System.Diagnostics.Metrics;
using Eventer.Collector;
using Eventer.Collector.Outbox;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;

namespace Eventer.Bench;

/// <summary>
/// The collector's publish rate beside the broker's own: in the same run, on the same machine,
/// (1) RabbitMQ.Client publishing persistent, mandatory messages of the collector's size with
/// confirms, as many in flight as the relay allows, and (2) the real collector (in this process)
/// from its first observation to its last confirmed publish, for N events it lists from the fake
/// API server. Alternated <c>rounds</c> times, so a noisy moment shows as spread, not as a verdict.
/// </summary>
public static class RelayBench
{
    public static async Task RunAsync(int events, int rounds)
    {
        var results = new List<(string What, double PerSecond)>();
        var messageBytes = 0;
        for (var round = 1; round <= rounds; round++)
        {
            var (collectorRate, bytes) = await CollectorAsync(events);
            messageBytes = bytes;
            results.Add(("collector: watch → confirmed publish", collectorRate));
            results.Add(("RabbitMQ.Client: persistent + confirm", await RawPublishAsync(events, bytes)));
        }

        Console.WriteLine($"\n{events} occurrences per run, {messageBytes} bytes per message, {Baseline.Window} publishes in flight, {rounds} rounds\n");
        Console.WriteLine("| what | per second (each round) |");
        Console.WriteLine("| --- | --- |");
        foreach (var group in results.GroupBy(r => r.What))
        {
            Console.WriteLine($"| {group.Key} | {string.Join(", ", group.Select(g => g.PerSecond.ToString("F0")))} |");
        }

        var collector = results.Where(r => r.What.StartsWith("collector")).Average(r => r.PerSecond);
        var raw = results.Where(r => r.What.StartsWith("RabbitMQ")).Average(r => r.PerSecond);
        Console.WriteLine($"\ncollector / raw publish: {collector / raw:P0}");
    }

    private static async Task<(double PerSecond, int MessageBytes)> CollectorAsync(int events)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("bench");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("bench");
        await using var api = await FakeKubeApiServer.StartAsync();
        var kubeconfig = api.WriteKubeconfig();
        for (var i = 0; i < events; i++)
        {
            api.Add(KubeEvents.CoreV1($"ns-{i % 20}", $"web-{i}", "BackOff", $"Back-off restarting failed container app in pod web-{i} ({i})"));
        }

        await using var probe = await ProbeQueue.BindAsync(rabbitMq);
        using var counts = new PublishCounter();
        var app = CollectorHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = postgres,
            ["Collector:ClusterName"] = "bench",
            ["Collector:Kubeconfig"] = kubeconfig,
            ["Logging:LogLevel:Eventer.Collector.Watching"] = "Information",
        }));
        await app.StartAsync();
        var deadline = Stopwatch.StartNew();
        while (counts.Published < events && deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(20);
        }

        var elapsed = counts.LastPublish - counts.FirstObserved;
        Console.WriteLine($"collector: all stored after {(counts.LastStored - counts.FirstObserved).TotalSeconds:F1} s, all published after {elapsed.TotalSeconds:F1} s");
        await app.StopAsync();
        await app.DisposeAsync();
        File.Delete(kubeconfig);
        if (counts.Published < events)
        {
            throw new InvalidOperationException($"the collector published {counts.Published} of {events} within 10 minutes");
        }

        await probe.PollAsync(limit: 1);
        return (events / elapsed.TotalSeconds, probe.Received[0].Body.Length);
    }

    private static async Task<double> RawPublishAsync(int messages, int messageBytes)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("bench");
        await using var probe = await ProbeQueue.BindAsync(rabbitMq);
        return await Baseline.PublishAsync(rabbitMq, messages, messageBytes);
    }

    /// <summary>Listens to the collector's own counters: when it first observed, when it last published, how many.</summary>
    private sealed class PublishCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _published;

        public PublishCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CollectorMetrics.Name
                    && instrument.Name is "eventer.collector.occurrences.observed" or "eventer.collector.occurrences.stored"
                        or "eventer.collector.occurrences.published")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                var now = Stopwatch.GetElapsedTime(0);
                if (instrument.Name.EndsWith("observed"))
                {
                    if (FirstObserved == TimeSpan.Zero)
                    {
                        FirstObserved = now;
                    }
                }
                else if (instrument.Name.EndsWith("stored"))
                {
                    LastStored = now;
                }
                else if (value > 0)
                {
                    Interlocked.Add(ref _published, value);
                    LastPublish = now;
                }
            });
            _listener.Start();
        }

        public long Published => Interlocked.Read(ref _published);

        public TimeSpan FirstObserved { get; private set; }

        public TimeSpan LastPublish { get; private set; }

        public TimeSpan LastStored { get; private set; }

        public void Dispose() => _listener.Dispose();
    }
}
