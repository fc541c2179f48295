using System.Diagnostics.Metrics;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Eventer.EsIndexer.Tests;

/// <summary>The real es-indexer host on its own virtual host, pointed at a fake (or proxied) Elasticsearch.</summary>
internal sealed class EsIndexerTestHost : IAsyncDisposable
{
    private EsIndexerTestHost(WebApplication app, string rabbitMq, FakeLogCollector logs)
    {
        App = app;
        RabbitMq = rabbitMq;
        Logs = logs;
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        Indexed = new MetricCollector<long>(meters, EsIndexerMetrics.Name, "eventer.es.documents.indexed");
        AlreadyPresent = new MetricCollector<long>(meters, EsIndexerMetrics.Name, "eventer.es.documents.already_present");
        Retried = new MetricCollector<long>(meters, EsIndexerMetrics.Name, "eventer.es.documents.retried");
        RequestFailures = new MetricCollector<long>(meters, EsIndexerMetrics.Name, "eventer.es.request.failures");
    }

    public WebApplication App { get; }

    public string RabbitMq { get; }

    public FakeLogCollector Logs { get; }

    public MetricCollector<long> Indexed { get; }

    public MetricCollector<long> AlreadyPresent { get; }

    public MetricCollector<long> Retried { get; }

    public MetricCollector<long> RequestFailures { get; }

    public static async Task<EsIndexerTestHost> StartAsync(string elasticsearch, Dictionary<string, string?>? settings = null, bool waitUntilReady = true)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("es");
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:elasticsearch"] = elasticsearch,
            ["Bus:RetryLimit"] = "1",
            ["Bus:RetryInterval"] = "00:00:00.100",
            ["EsIndexer:BatchTimeLimit"] = "00:00:00.100",
            ["EsIndexer:MaxRetryInterval"] = "00:00:00.500",
            ["EsIndexer:RequestTimeout"] = "00:00:05",
        };
        all.Overlay(settings);

        var logs = new FakeLogCollector();
        var app = EsIndexerHost.Build([], b => b.UseTestSettings(all));
        // Added after the host is built, so ServiceDefaults' ClearProviders cannot remove it.
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new FakeLoggerProvider(logs));
        var host = new EsIndexerTestHost(app, rabbitMq, logs);
        await app.StartAsync();
        if (waitUntilReady)
        {
            await app.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        }
        else
        {
            // Readiness may stay red (Elasticsearch away): wait for the queue to be declared and bound,
            // or a publish before the binding goes nowhere (seen as a rare CI timeout).
            await app.WaitUntilConsumingAsync(TimeSpan.FromSeconds(60));
        }

        return host;
    }

    /// <summary>Publishes each occurrence under its own MessageId, as the collector does.</summary>
    public Task PublishAsync(IEnumerable<KubeEventObserved> messages)
    {
        var bus = App.Services.GetRequiredService<IBus>();
        return Task.WhenAll(messages.Select(m => bus.Publish(m, c => c.MessageId = OccurrenceKey.MessageIdFor(m))));
    }

    public long Count(MetricCollector<long> metric) => metric.GetMeasurementSnapshot().EvaluateAsCounter();

    /// <summary>
    /// Waits until <paramref name="metric"/> reaches <paramref name="expected"/>, then says whether it
    /// stayed there: the fake holds a document a moment before the indexer has read its answer.
    /// </summary>
    public async Task<long> SettledCountAsync(MetricCollector<long> metric, long expected)
    {
        await Eventually.HoldsAsync(() => Count(metric) >= expected, TimeSpan.FromSeconds(30), $"{metric.Instrument?.Name} to reach {expected}");
        return Count(metric);
    }

    public async ValueTask DisposeAsync()
    {
        Indexed.Dispose();
        AlreadyPresent.Dispose();
        Retried.Dispose();
        RequestFailures.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
