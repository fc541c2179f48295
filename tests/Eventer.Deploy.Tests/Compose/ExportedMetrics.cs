using System.Diagnostics.Metrics;
using Eventer.Archive;
using Eventer.Collector;
using Eventer.DingTalkNotifier;
using Eventer.EsIndexer;
using Eventer.Notifications;
using Eventer.ServiceDefaults;
using Eventer.WebhookNotifier;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Eventer.Deploy.Tests.Compose;

/// <summary>
/// The metric names Prometheus really scrapes from the services: a host set up by
/// <c>AddServiceDefaults</c> (the services' own OpenTelemetry pipeline and Prometheus exporter), every
/// eventer metrics class created on it, one measurement on each of their instruments, and
/// <c>/metrics</c> read over HTTP — so the exporter's renaming (dots to underscores, unit suffixes such
/// as <c>_seconds</c>, <c>_total</c> on counters, <c>_bucket</c> on histograms) is its own, not a guess.
/// </summary>
public static class ExportedMetrics
{
    public static async Task<IReadOnlySet<string>> ScrapeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["urls"] = "http://127.0.0.1:0";
        builder.AddServiceDefaults("deploy-tests");
        await using var app = builder.Build();
        app.MapServiceDefaults();

        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name.StartsWith("Eventer.", StringComparison.Ordinal))
                {
                    lock (instruments)
                    {
                        instruments.Add(instrument);
                    }
                }
            },
        };
        listener.Start();

        var meters = app.Services.GetRequiredService<IMeterFactory>();
        _ = new CollectorMetrics(meters);
        _ = new ArchiveMetrics(meters);
        _ = new EsIndexerMetrics(meters);
        // The pending gauges report only the targets they were told about.
        new DeliveryMetrics(meters, NotifierHost.Sink, new NotifierOptions()).Pending(new() { ["ops"] = 1 });
        new DeliveryMetrics(meters, WebhookHost.Sink, new WebhookOptions()).Pending(new() { ["team"] = 1 });

        lock (instruments)
        {
            Assert.NotEmpty(instruments);
            foreach (var instrument in instruments)
            {
                Record(instrument);
            }
        }

        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var text = await http.GetStringAsync("/metrics");
            return text.Split('\n')
                .Where(line => line.Length > 0 && !line.StartsWith('#'))
                .Select(line => line[..line.IndexOfAny(['{', ' '])])
                .ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static void Record(Instrument instrument)
    {
        switch (instrument)
        {
            case Counter<long> c: c.Add(1); break;
            case Counter<int> c: c.Add(1); break;
            case Counter<double> c: c.Add(1); break;
            case UpDownCounter<long> c: c.Add(1); break;
            case Histogram<double> h: h.Record(1); break;
            case Histogram<long> h: h.Record(1); break;
            case Histogram<int> h: h.Record(1); break;
            case Gauge<long> g: g.Record(1); break;
            case Gauge<double> g: g.Record(1); break;
            default:
                // Observable instruments report themselves when the exporter collects.
                Assert.True(instrument.IsObservable, $"{instrument.Name}: {instrument.GetType().Name} is not recorded by this test");
                break;
        }
    }
}
