using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eventer.SimCluster;
using Eventer.Testing;
using Eventer.Testing.Elasticsearch;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Kubernetes;
using Eventer.Testing.Webhooks;
using Npgsql;

namespace Eventer.Bench;

/// <summary>What a run is asked to do (the command line of <c>pipeline</c>).</summary>
public sealed record PipelineOptions(int Events, double Rate, TimeSpan Duration, int MemoryEvents, string? JsonPath, IReadOnlySet<int> Phases);

/// <summary>
/// The whole pipeline under load: a simulated cluster (in this process), the collector, the archive,
/// the es-indexer and the webhook notifier as Release-built processes of their own, their sinks the
/// fakes (Elasticsearch; a JSON endpoint with a high limit); RabbitMQ and PostgreSQL those of the
/// tests, a fresh virtual host and database per run. Phase 1: N changes as fast as the collector
/// reads; phase 2: a fixed rate, for latency; phase 3: many changes with deletions, for memory.
/// Every phase ends when every sink holds everything, and is counted per sink.
/// </summary>
public sealed class PipelineBench : IAsyncDisposable
{
    /// <summary>The consumer services, each with its own queue: archive, es-indexer, webhook notifier.</summary>
    private const int Sinks = 3;

    private readonly List<ServiceUnderTest> _services = [];
    private readonly Dictionary<string, object?> _report = [];
    private readonly List<string> _table = [];
    private FakeKubeApiServer _api = null!;
    private FakeElasticsearch _elasticsearch = null!;
    private FakeWebhookReceiver _receiver = null!;
    private string _postgres = "";
    private string _kubeconfig = "";
    private CancellationTokenSource _sampling = new();
    private Dictionary<string, TimeSpan> _hostAtMark = [];
    private Task _sampler = Task.CompletedTask;

    public static async Task<int> RunAsync(PipelineOptions options)
    {
        await using var bench = new PipelineBench();
        return await bench.RunPhasesAsync(options);
    }

    private async Task<int> RunPhasesAsync(PipelineOptions options)
    {
        _report["machine"] = new { cores = Environment.ProcessorCount, memory_gb = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1) };
        var (publish, consume) = await Baseline.MeasureAsync(Math.Min(options.Events, 50_000), 1_500);
        _report["raw_publish_per_s"] = Math.Round(publish);
        _report["raw_consume_per_s"] = Math.Round(consume);
        Row("RabbitMQ.Client: persistent publish + confirm (1.5 KB)", $"{publish:F0}/s", "");
        Row("RabbitMQ.Client: consume + ack", $"{consume:F0}/s", "");
        var fanOut = await Baseline.MeasureFanOutAsync(Math.Min(options.Events, 50_000), 1_500, Sinks);
        _report["raw_fanout_per_s"] = Math.Round(fanOut);
        Row($"RabbitMQ.Client: publish + confirm into {Sinks} queues, each consumed + acked meanwhile", $"{fanOut:F0}/s", "the broker's limit for the pipeline's shape");

        await StartAsync();
        var mix = new EventMix(_api, seed: 7, ttl: options.Phases.Contains(3) ? TimeSpan.FromSeconds(30) : null);
        var lost = 0L;
        var doubled = 0L;
        if (options.Phases.Contains(1))
        {
            var (collector, e2e, notified, counts) = await ThroughputAsync(mix, options.Events);
            _report["collector_per_s"] = Math.Round(collector);
            _report["e2e_per_s"] = Math.Round(e2e);
            _report["notifier_per_s"] = Math.Round(notified);
            Row("collector: watch → confirmed publish", $"{collector:F0}/s", $"{collector / publish:P0} of raw publish");
            Row("end to end: until the archive and the index hold all", $"{e2e:F0}/s", $"{e2e / fanOut:P0} of raw fan-out");
            Row("end to end: until the webhook notifier has represented every Warning", $"{notified:F0}/s", "one POST a message, at most 6,000 a minute");
            (lost, doubled) = (lost + counts.Lost, doubled + counts.Doubled);
        }

        if (options.Phases.Contains(2))
        {
            var (latency, counts) = await LatencyAsync(mix, options.Rate, options.Duration);
            _report["latency_ms"] = latency;
            foreach (var (sink, p) in latency)
            {
                Row($"latency observed → {sink} at {options.Rate:F0}/s", $"p50 {p["p50"]:F0} ms, p95 {p["p95"]:F0} ms, p99 {p["p99"]:F0} ms", "");
            }

            (lost, doubled) = (lost + counts.Lost, doubled + counts.Doubled);
        }

        if (options.Phases.Contains(3))
        {
            var counts = await MemoryAsync(mix, options.MemoryEvents);
            (lost, doubled) = (lost + counts.Lost, doubled + counts.Doubled);
        }

        await StopSamplingAsync();
        _report["rss_mb"] = _services.ToDictionary(s => s.Name, s => Math.Round(s.PeakRssBytes / 1048576.0));
        _report["rss_idle_mb"] = _services.ToDictionary(s => s.Name, s => Math.Round(s.IdleRssBytes / 1048576.0));
        _report["cpu_s_per_1000"] = _services.ToDictionary(s => s.Name, s => Math.Round(s.CpuSinceMark.TotalSeconds / (mix.Counts.Occurrences / 1000.0), 3));
        _report["native"] = _services.Where(s => s.IsNative).Select(s => s.Name).ToList();
        foreach (var service in _services)
        {
            Row($"{service.Name}{(service.IsNative ? " (native)" : "")}: peak RSS (idle), CPU", $"{service.PeakRssBytes / 1048576.0:F0} MB ({service.IdleRssBytes / 1048576.0:F0} MB)",
                $"{service.CpuSinceMark.TotalSeconds / (mix.Counts.Occurrences / 1000.0):F2} CPU s per 1,000 events");
        }

        // What the rest of the machine spent on the same events: the broker and the database serve
        // the services; the bench is the simulated cluster and the sinks' fakes, which a real
        // deployment replaces with the apiserver and Elasticsearch (on other machines, usually).
        var host = HostCpuNow().ToDictionary(h => h.Key, h => Math.Round((h.Value - _hostAtMark[h.Key]).TotalSeconds / (mix.Counts.Occurrences / 1000.0), 3));
        _report["cpu_s_per_1000_host"] = host;
        var ceiling = Environment.ProcessorCount * 1000 / (host["machine"] - host["bench"]);
        _report["cpu_ceiling_per_s"] = Math.Round(ceiling);
        Row("RabbitMQ / PostgreSQL / the bench (simulated cluster, fakes): CPU", $"{host["rabbitmq"]:F2} / {host["postgres"]:F2} / {host["bench"]:F2}", "CPU s per 1,000 events");
        Row("machine: CPU for the pipeline (all but the bench)", $"{host["machine"] - host["bench"]:F2} CPU s per 1,000 events",
            $"{Environment.ProcessorCount} cores: at most {ceiling:F0} events/s with no other load");

        _report["lost"] = lost;
        _report["doubled"] = doubled;
        _report["events"] = mix.Counts.Occurrences;
        Console.WriteLine($"\n{mix.Counts.Occurrences} occurrences ({mix.Counts.Added} events, {mix.Counts.Deleted} deleted); lost {lost}, doubled {doubled}\n");
        Console.WriteLine("| what | figure | beside |");
        Console.WriteLine("| --- | --- | --- |");
        _table.ForEach(Console.WriteLine);
        if (options.JsonPath is { } path)
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(_report, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"\nwritten to {path}");
        }

        if (lost + doubled > 0)
        {
            await Console.Error.WriteLineAsync($"bench: the pipeline lost {lost} and doubled {doubled} occurrences");
            return 1;
        }

        return 0;
    }

    private async Task StartAsync()
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("bench");
        _postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("bench");
        _api = await FakeKubeApiServer.StartAsync();
        _api.HistoryLimit = 200_000;
        _kubeconfig = _api.WriteKubeconfig();
        _elasticsearch = await FakeElasticsearch.StartAsync(SearchEngine.Elasticsearch8);
        _receiver = await FakeWebhookReceiver.StartAsync();
        var common = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = _postgres,
            ["Logging:LogLevel:Default"] = "Warning",
        };

        // Consumers first: their queues exist before the collector publishes.
        await Task.WhenAll(
            Start("archive", "Eventer.Archive", common, []),
            Start("es-indexer", "Eventer.EsIndexer", common, new() { ["ConnectionStrings:elasticsearch"] = _elasticsearch.Address.ToString() }),
            Start("webhook-notifier", "Eventer.WebhookNotifier", common, new()
            {
                ["Webhook:Targets:sink:Kind"] = "Json",
                ["Webhook:Targets:sink:Url"] = _receiver.RegisterEndpoint("sink"),
                ["Webhook:Targets:sink:MessagesPerMinute"] = "6000",
                ["Webhook:FoldWindow"] = "00:00:00",
                ["Webhook:DispatchInterval"] = "00:00:00.200",
            }));
        await Start("collector", "Eventer.Collector", common, new() { ["Collector:ClusterName"] = "bench", ["Collector:Kubeconfig"] = _kubeconfig });

        // Started is not settled: first connections, migrations' last queries and the first
        // metrics scrape still run. What follows is charged to the load.
        await Task.Delay(TimeSpan.FromSeconds(3));
        _services.ForEach(s => s.MarkIdle());
        _hostAtMark = HostCpuNow();
        _sampler = SampleAsync(_sampling.Token);
    }

    private async Task Start(string name, string project, Dictionary<string, string?> common, Dictionary<string, string?> own)
    {
        var settings = new Dictionary<string, string?>(common);
        settings.Overlay(own);
        var service = await ServiceUnderTest.StartAsync(name, project, settings);
        lock (_services)
        {
            _services.Add(service);
        }
    }

    /// <summary>CPU spent so far by the broker, PostgreSQL, this process and the whole machine.</summary>
    private static Dictionary<string, TimeSpan> HostCpuNow() => new()
    {
        ["rabbitmq"] = HostCpu.OfProcessesNamed("beam.smp"),
        ["postgres"] = HostCpu.OfProcessesNamed("postgres"),
        ["bench"] = Process.GetCurrentProcess().TotalProcessorTime,
        ["machine"] = HostCpu.Machine(),
    };

    private ServiceUnderTest Service(string name) => _services.Single(s => s.Name == name);

    /// <summary>Phase 1: N changes as fast as the mix makes them, while the collector watches.</summary>
    private async Task<(double Collector, double EndToEnd, double Notified, SinkCounts Counts)> ThroughputAsync(EventMix mix, int events)
    {
        var collector = Service("collector");
        var before = mix.Counts.Occurrences;
        var published0 = await collector.CounterAsync("eventer.collector.occurrences.published");
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < events; i++)
        {
            mix.Next();
        }

        var expected = mix.Counts.Occurrences - before;
        var allPublished = await UntilAsync(async () => await collector.CounterAsync("eventer.collector.occurrences.published") - published0 >= expected, "the collector to publish all");
        var total = mix.Counts.Occurrences;
        await UntilAsync(async () => await ScalarAsync("SELECT count(*) FROM archive.occurrences") >= total && _elasticsearch.Documents.Count >= total,
            "the archive and the index to hold all", TimeSpan.FromMinutes(15));
        var stored = clock.Elapsed;
        var counts = await UntilSinksHoldAllAsync(total);
        Console.WriteLine($"phase 1: {expected} occurrences; published after {allPublished.TotalSeconds:F1} s, archived and indexed after {stored.TotalSeconds:F1} s, "
            + $"notified after {clock.Elapsed.TotalSeconds:F1} s");
        return (expected / allPublished.TotalSeconds, expected / stored.TotalSeconds, expected / clock.Elapsed.TotalSeconds, counts);
    }

    /// <summary>Phase 2: a fixed rate for a while; then how long each occurrence took to each sink.</summary>
    private async Task<(Dictionary<string, Dictionary<string, double>> Latency, SinkCounts Counts)> LatencyAsync(EventMix mix, double rate, TimeSpan duration)
    {
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var made = 0L;
        while (clock.Elapsed < duration)
        {
            for (var due = (long)(clock.Elapsed.TotalSeconds * rate) + 1; made < due; made++)
            {
                mix.Next();
            }

            await Task.Delay(5);
        }

        var counts = await UntilSinksHoldAllAsync(mix.Counts.Occurrences);
        Console.WriteLine($"phase 2: {made} changes at {rate:F0}/s for {duration.TotalSeconds:F0} s");
        var latency = new Dictionary<string, Dictionary<string, double>>
        {
            ["archive"] = await PercentilesAsync("SELECT extract(epoch FROM stored_at - observed_at) * 1000 FROM archive.occurrences WHERE observed_at >= $1", start),
            ["es-indexer"] = Percentiles(_elasticsearch.Documents
                .Select(d => (d.StoredAt, Created: Created(d.Source)))
                .Where(d => d.Created >= start)
                .Select(d => (d.StoredAt - d.Created).TotalMilliseconds)),
            ["webhook-notifier"] = await PercentilesAsync(
                "SELECT extract(epoch FROM sent_at - (event->>'ObservedAt')::timestamptz) * 1000 FROM webhook.alerts WHERE (event->>'ObservedAt')::timestamptz >= $1 AND sent_at IS NOT NULL", start),
        };
        return (latency, counts);
    }

    /// <summary>Phase 3: many changes, as fast as they come, with Events deleted 30 s after creation; RSS is sampled throughout.</summary>
    private async Task<SinkCounts> MemoryAsync(EventMix mix, int events)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < events; i++)
        {
            mix.Next();
            if (i % 10_000 == 0)
            {
                // Keep the mix near the pipeline's pace: the point is the services' memory, not a backlog in RabbitMQ.
                await UntilAsync(async () => mix.Counts.Occurrences - await Service("archive").CounterAsync("eventer.archive.occurrences.stored") < 50_000, "the archive to keep up");
            }
        }

        var counts = await UntilSinksHoldAllAsync(mix.Counts.Occurrences);
        Console.WriteLine($"phase 3: {events} changes in {clock.Elapsed.TotalSeconds:F0} s, {mix.Counts.Deleted} deleted");
        return counts;
    }

    /// <summary>Waits until the archive and the indexer hold every occurrence and the notifier has sent every Warning; counts what is missing or twice.</summary>
    private async Task<SinkCounts> UntilSinksHoldAllAsync(long expected)
    {
        long archived = 0, indexed = 0, warnings = 0, unsent = 0;
        async Task<bool> Complete()
        {
            archived = await ScalarAsync("SELECT count(*) FROM archive.occurrences");
            warnings = await ScalarAsync("SELECT count(*) FROM archive.occurrences WHERE type = 'Warning'");
            unsent = await ScalarAsync("SELECT count(*) FROM webhook.alerts WHERE sent_at IS NULL") + warnings - await ScalarAsync("SELECT count(*) FROM webhook.alerts");
            indexed = _elasticsearch.Documents.Count;
            return archived >= expected && indexed >= expected && unsent == 0;
        }

        try
        {
            await UntilAsync(Complete, "every sink to hold every occurrence", TimeSpan.FromMinutes(15));
        }
        catch (TimeoutException ex)
        {
            Console.Error.WriteLine(ex.Message);
        }

        // Stored twice cannot happen by key in the archive and the index; a notification twice shows at the receiver.
        var bodies = _receiver.Received("sink").Where(r => r.Json?["kind"]?.ToString() == "alert")
            .GroupBy(r => (r.Json!["event"]?["uid"]?.ToString(), r.Json["count"]?.ToString()))
            .Sum(g => g.Count() - 1L);
        var lost = Math.Max(0, expected - archived) + Math.Max(0, expected - indexed) + Math.Max(0, unsent);
        Console.WriteLine($"  archive {archived}, index {indexed} of {expected}; notifier {warnings - unsent} of {warnings} Warnings represented; alerts twice {bodies}");
        return new SinkCounts(lost, bodies);
    }

    private static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await AnsweredAsync(condition, what))
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromMinutes(15)))
            {
                throw new TimeoutException($"bench: timed out waiting for {what}");
            }

            await Task.Delay(50);
        }

        return clock.Elapsed;
    }

    /// <summary>
    /// A poll that a busy service did not answer in time counts as "not yet": one slow /metrics
    /// response (seen once, 22 minutes into a million-event run) must not end the run.
    /// </summary>
    private static async Task<bool> AnsweredAsync(Func<Task<bool>> condition, string what)
    {
        try
        {
            return await condition();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"bench: a poll while waiting for {what} failed ({ex.GetType().Name}: {ex.Message}); polling again");
            return false;
        }
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await tick.WaitForNextTickAsync(cancellationToken))
            {
                _services.ForEach(s => s.Sample());
            }
        }
        catch (OperationCanceledException)
        {
            // Done.
        }
    }

    private async Task StopSamplingAsync()
    {
        await _sampling.CancelAsync();
        await _sampler;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<Dictionary<string, double>> PercentilesAsync(string sql, DateTimeOffset since)
    {
        await using var connection = new NpgsqlConnection(_postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        var values = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToDouble(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return Percentiles(values);
    }

    private static Dictionary<string, double> Percentiles(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        double At(double p) => sorted.Count == 0 ? double.NaN : Math.Round(sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)]);
        return new() { ["p50"] = At(0.50), ["p95"] = At(0.95), ["p99"] = At(0.99), ["count"] = sorted.Count };
    }

    private static DateTimeOffset Created(JsonObject source) =>
        DateTimeOffset.Parse((source["event"]?["created"] ?? source["event.created"])!.ToString(), System.Globalization.CultureInfo.InvariantCulture);

    private void Row(string what, string figure, string beside) => _table.Add($"| {what} | {figure} | {beside} |");

    public async ValueTask DisposeAsync()
    {
        await StopSamplingAsync();
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        await _api.DisposeAsync();
        await _elasticsearch.DisposeAsync();
        await _receiver.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}

/// <summary>What a phase found missing or twice, over all sinks.</summary>
public sealed record SinkCounts(long Lost, long Doubled);
